// Defect switches of an example program (reference-lb, reference-hub): from its table of
// `name: the bug`, the list of names and the parsing of `--defect` values, which fails with one
// line listing the valid names.

export interface DefectSwitches<Name extends string> {
  names: Name[];
  is(name: string): name is Name;
  /** Throws one line that lists the valid names on an unknown one. */
  parse(names: readonly string[]): ReadonlySet<Name>;
}

export function defectSwitches<Name extends string>(table: Record<Name, string>): DefectSwitches<Name> {
  const names = Object.keys(table) as Name[];
  const is = (name: string): name is Name => Object.hasOwn(table, name);
  return {
    names,
    is,
    parse(given) {
      const unknown = given.filter((n) => !is(n));
      if (unknown.length > 0) throw new Error(`unknown defect '${unknown.join("', '")}'; valid: ${names.join(', ')}`);
      return new Set(given as Name[]);
    },
  };
}
