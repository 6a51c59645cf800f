import { defineBehavior } from './types.js';

export default defineBehavior<{ model_name?: string }>({
  type: 'ModelNotFound',
  summary: "Answer the endpoint's own 404 model-not-found error, as if the model were not installed.",
  level: 'request',
  params: {
    model_name: { kind: 'string', doc: 'name shown in the message; default the requested model' },
  },
  effect: (p) => ({ kind: 'model_not_found', model: p.model_name }),
});
