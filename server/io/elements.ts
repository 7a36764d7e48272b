// Element symbols, index = atomic number.
const symbols = (
  'X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr ' +
  'Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb ' +
  'Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf ' +
  'Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og'
).split(' ');

const numberOf = new Map(symbols.map((symbol, z) => [symbol.toLowerCase(), z]));

// "C", "c", "6" -> 6; undefined when not an element.
export function atomicNumber(label: string): number | undefined {
  if (/^\d+$/.test(label)) {
    const z = Number(label);
    return z >= 1 && z < symbols.length ? z : undefined;
  }
  const z = numberOf.get(label.toLowerCase());
  return z !== undefined && z > 0 ? z : undefined;
}

export function elementSymbol(z: number): string {
  return symbols[z] ?? String(z);
}
