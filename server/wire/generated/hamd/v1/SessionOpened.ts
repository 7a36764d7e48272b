// Original file: proto/hamd/v1/hamd.proto


export interface SessionOpened {
  'session_id'?: (string);
  'model'?: (string);
  'hamiltonian_model'?: (string);
  'species'?: (number)[];
  'cutoff'?: (number | string);
  'outputs'?: (string)[];
  'energy_units'?: (string);
  'hamiltonian_units'?: (string);
  'skin'?: (number | string);
  'idle_timeout_s'?: (number | string);
}

export interface SessionOpened__Output {
  'session_id'?: (string);
  'model'?: (string);
  'hamiltonian_model'?: (string);
  'species': (number)[];
  'cutoff'?: (number);
  'outputs': (string)[];
  'energy_units'?: (string);
  'hamiltonian_units'?: (string);
  'skin'?: (number);
  'idle_timeout_s'?: (number);
}
