// What every hamd model file shares (docs/model-format.md): one uncompressed .npz with the
// entries "format" (the kind's format name), "format_version", "metadata" (a JSON object:
// provenance, hyper-parameters, validation metrics) and "checksum" (CRC32 over every other
// entry, so that a corrupt or edited file is refused). Each kind adds its own arrays.
#pragma once
#include <string>

#include "core/io/npz.hpp"

namespace hamd {

// "crc32:xxxxxxxx" over the entries of an archive except "checksum" (sorted by name; for each:
// UTF-8 name, a NUL byte, the array's raw little-endian C-order data as numpy's tobytes()).
std::string archive_checksum(const NpzArchive& archive);

// JSON string literal (quotes included) of UTF-8 text.
std::string json_quote(const std::string& text);

// A JSON number (%.9g); null for NaN or infinity, which JSON cannot hold (a metric that could
// not be measured), so that metadata stays readable.
std::string json_number(double x);

// Adds the checksum and writes atomically; returns the checksum written. Throws
// std::runtime_error when it cannot write.
std::string write_model_archive(NpzArchive archive, const std::string& path);

// Reads a model file of `format` (InvalidArgument naming the file for another format, saying
// "not a <description>", for a newer version than `version`, or for a checksum mismatch).
NpzArchive read_model_archive(const std::string& path, const std::string& format, int version,
                              const std::string& description);
// The same for a reader of every version in [oldest, newest]; *version receives the file's.
NpzArchive read_model_archive(const std::string& path, const std::string& format, int oldest, int newest,
                              const std::string& description, int* version);

// The "format" entry of a model file ("" when it has none): which kind of model it holds.
std::string model_file_format(const std::string& path);

}  // namespace hamd
