// Original file: proto/hamd/v1/hamd.proto


export interface Hypers {
  'cutoff'?: (number | string);
  'cutoff_width'?: (number | string);
  'max_radial'?: (number);
  'max_angular'?: (number);
  'density_width'?: (number | string);
  'center_atom_weight'?: (number | string);
  '_cutoff'?: "cutoff";
  '_cutoff_width'?: "cutoff_width";
  '_max_radial'?: "max_radial";
  '_max_angular'?: "max_angular";
  '_density_width'?: "density_width";
  '_center_atom_weight'?: "center_atom_weight";
}

export interface Hypers__Output {
  'cutoff'?: (number);
  'cutoff_width'?: (number);
  'max_radial'?: (number);
  'max_angular'?: (number);
  'density_width'?: (number);
  'center_atom_weight'?: (number);
  '_cutoff'?: "cutoff";
  '_cutoff_width'?: "cutoff_width";
  '_max_radial'?: "max_radial";
  '_max_angular'?: "max_angular";
  '_density_width'?: "density_width";
  '_center_atom_weight'?: "center_atom_weight";
}
