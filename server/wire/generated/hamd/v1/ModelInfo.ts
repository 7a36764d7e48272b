// Original file: proto/hamd/v1/hamd.proto


export interface ModelInfo {
  'name'?: (string);
  'version'?: (string);
  'kind'?: (string);
  'state'?: (string);
  'error'?: (string);
  'species'?: (number)[];
  'basis'?: (string);
  'units'?: (string);
  'cutoff'?: (number | string);
  'outputs'?: (string)[];
  'validation'?: ({[key: string]: number | string});
  'is_default'?: (boolean);
  'path'?: (string);
  'checksum'?: (string);
  'metadata_json'?: (string);
}

export interface ModelInfo__Output {
  'name'?: (string);
  'version'?: (string);
  'kind'?: (string);
  'state'?: (string);
  'error'?: (string);
  'species': (number)[];
  'basis'?: (string);
  'units'?: (string);
  'cutoff'?: (number);
  'outputs': (string)[];
  'validation'?: ({[key: string]: number});
  'is_default'?: (boolean);
  'path'?: (string);
  'checksum'?: (string);
  'metadata_json'?: (string);
}
