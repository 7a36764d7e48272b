// Reading and writing numpy .npz archives (zip of .npy files, stored, i.e. what numpy.savez
// writes) without numpy: float64, int64, int32, bool and unicode ('<U', UTF-32LE) arrays,
// little-endian, C order. Enough for hamd's datasets (docs/dataset-format.md) and model files
// (docs/model-format.md); numpy.load(path, allow_pickle=False) reads what write_npz writes.
//
// Reading checks the zip structure, each entry's CRC32 and the .npy header; anything else
// (deflated entries, pickled objects, big-endian or Fortran-ordered arrays, truncation) throws
// InvalidArgument naming the file, the entry and what is wrong.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hamd {

enum class NpyType { Float64, Float32, Int64, Int32, Bool, Unicode };

struct NpyArray {
    NpyType type = NpyType::Float64;
    std::vector<size_t> shape;          // empty: a scalar (one element)
    std::vector<double> f64;            // Float64, and Float32 widened on read (rounded to float on write)
    std::vector<int64_t> i64;           // Int64, and Int32 / Bool widened on read
    std::vector<std::string> strings;   // Unicode, UTF-8 encoded, trailing NULs stripped

    size_t size() const;  // product of shape (1 for a scalar)

    static NpyArray float64(std::vector<double> values, std::vector<size_t> shape);
    static NpyArray float32(std::vector<double> values, std::vector<size_t> shape);  // stored as <f4
    static NpyArray int64(std::vector<int64_t> values, std::vector<size_t> shape);
    static NpyArray int32(std::vector<int64_t> values, std::vector<size_t> shape);
    static NpyArray boolean(std::vector<int64_t> values, std::vector<size_t> shape);
    static NpyArray unicode(std::vector<std::string> values, std::vector<size_t> shape);
    static NpyArray scalar(double value) { return float64({value}, {}); }
    static NpyArray scalar_int(int64_t value) { return int64({value}, {}); }
    static NpyArray scalar_string(std::string value) { return unicode({std::move(value)}, {}); }

    // The .npy file's bytes (format 1.0, or 2.0 if the header needs it).
    std::string to_npy() const;
    // Parses .npy bytes; `where` names the source in error messages.
    static NpyArray from_npy(const std::string& bytes, const std::string& where);
};

// Entry name without ".npy" -> array.
using NpzArchive = std::map<std::string, NpyArray>;

NpzArchive read_npz(const std::string& path);
// Writes atomically (temporary file, then rename). Throws std::runtime_error on I/O failure.
void write_npz(const std::string& path, const NpzArchive& archive);

// Required entries with type checks: InvalidArgument "FILE: entry 'NAME' ..." when missing or mistyped.
const NpyArray& npz_get(const NpzArchive& archive, const std::string& name, NpyType type, const std::string& file);
std::string npz_string(const NpzArchive& archive, const std::string& name, const std::string& file);
int64_t npz_int(const NpzArchive& archive, const std::string& name, const std::string& file);

uint32_t crc32(const void* data, size_t size, uint32_t previous = 0);

}  // namespace hamd
