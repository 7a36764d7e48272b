#include "core/io/npz.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

// ---- little-endian helpers ----
uint32_t read_u32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
    return v;
}
uint16_t read_u16(const std::string& s, size_t at) {
    return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8));
}
uint64_t read_u64(const std::string& s, size_t at) {
    return static_cast<uint64_t>(read_u32(s, at)) | (static_cast<uint64_t>(read_u32(s, at + 4)) << 32);
}
void put_u16(std::string& s, uint16_t v) {
    s.push_back(static_cast<char>(v & 0xff));
    s.push_back(static_cast<char>(v >> 8));
}
void put_u32(std::string& s, uint32_t v) {
    for (int k = 0; k < 4; ++k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
}

// ---- UTF-8 <-> UTF-32 ----
void append_utf8(std::string& out, uint32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::vector<uint32_t> utf8_to_utf32(const std::string& s) {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        uint32_t code = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
        if (i + extra >= s.size() && extra > 0)
            throw InvalidArgument("npz: invalid UTF-8 in a string");
        for (int k = 1; k <= extra; ++k) code = (code << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(code);
        i += extra + 1;
    }
    return out;
}

std::string shape_text(const std::vector<size_t>& shape) {
    std::string text = "(";
    for (size_t k = 0; k < shape.size(); ++k) text += std::to_string(shape[k]) + (shape.size() == 1 ? "," : k + 1 < shape.size() ? ", " : "");
    return text + ")";
}

const char* type_name(NpyType type) {
    switch (type) {
        case NpyType::Float64: return "float64";
        case NpyType::Float32: return "float32";
        case NpyType::Int64: return "int64";
        case NpyType::Int32: return "int32";
        case NpyType::Bool: return "bool";
        case NpyType::Unicode: return "unicode";
    }
    return "?";
}

// Value of `key` in the .npy header dict, as raw text up to the next top-level comma.
std::string header_field(const std::string& header, const std::string& key, const std::string& where) {
    const std::string needle = "'" + key + "'";
    size_t at = header.find(needle);
    if (at == std::string::npos) throw InvalidArgument(where + ": .npy header has no '" + key + "'");
    at = header.find(':', at + needle.size());
    if (at == std::string::npos) throw InvalidArgument(where + ": malformed .npy header");
    ++at;
    while (at < header.size() && header[at] == ' ') ++at;
    size_t end = at;
    int depth = 0;
    while (end < header.size()) {
        const char c = header[end];
        if (c == '(') ++depth;
        if (c == ')') --depth;
        if ((c == ',' || c == '}') && depth == 0) break;
        ++end;
    }
    return header.substr(at, end - at);
}

}  // namespace

uint32_t crc32(const void* data, size_t size, uint32_t previous) {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t c = previous ^ 0xFFFFFFFFu;
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

size_t NpyArray::size() const {
    size_t n = 1;
    for (size_t d : shape) n *= d;
    return n;
}

namespace {
void check_count(size_t values, const std::vector<size_t>& shape) {
    size_t n = 1;
    for (size_t d : shape) n *= d;
    if (n != values) throw std::invalid_argument("NpyArray: value count does not match the shape");
}
}  // namespace

NpyArray NpyArray::float64(std::vector<double> values, std::vector<size_t> shape) {
    check_count(values.size(), shape);
    NpyArray a;
    a.type = NpyType::Float64;
    a.f64 = std::move(values);
    a.shape = std::move(shape);
    return a;
}
NpyArray NpyArray::float32(std::vector<double> values, std::vector<size_t> shape) {
    NpyArray a = float64(std::move(values), std::move(shape));
    a.type = NpyType::Float32;
    for (double& x : a.f64) x = static_cast<float>(x);  // what the file will hold
    return a;
}
NpyArray NpyArray::int64(std::vector<int64_t> values, std::vector<size_t> shape) {
    check_count(values.size(), shape);
    NpyArray a;
    a.type = NpyType::Int64;
    a.i64 = std::move(values);
    a.shape = std::move(shape);
    return a;
}
NpyArray NpyArray::int32(std::vector<int64_t> values, std::vector<size_t> shape) {
    NpyArray a = int64(std::move(values), std::move(shape));
    a.type = NpyType::Int32;
    return a;
}
NpyArray NpyArray::boolean(std::vector<int64_t> values, std::vector<size_t> shape) {
    NpyArray a = int64(std::move(values), std::move(shape));
    a.type = NpyType::Bool;
    return a;
}
NpyArray NpyArray::unicode(std::vector<std::string> values, std::vector<size_t> shape) {
    check_count(values.size(), shape);
    NpyArray a;
    a.type = NpyType::Unicode;
    a.strings = std::move(values);
    a.shape = std::move(shape);
    return a;
}

std::string NpyArray::to_npy() const {
    std::string descr;
    std::string body;
    const size_t n = size();
    switch (type) {
        case NpyType::Float64:
            descr = "<f8";
            body.resize(8 * n);
            std::memcpy(body.data(), f64.data(), 8 * n);  // little-endian host (x86-64, arm64)
            break;
        case NpyType::Float32: {
            descr = "<f4";
            body.resize(4 * n);
            for (size_t k = 0; k < n; ++k) {
                const float v = static_cast<float>(f64[k]);
                std::memcpy(&body[4 * k], &v, 4);
            }
            break;
        }
        case NpyType::Int64:
            descr = "<i8";
            body.resize(8 * n);
            std::memcpy(body.data(), i64.data(), 8 * n);
            break;
        case NpyType::Int32: {
            descr = "<i4";
            body.resize(4 * n);
            for (size_t k = 0; k < n; ++k) {
                const int32_t v = static_cast<int32_t>(i64[k]);
                std::memcpy(&body[4 * k], &v, 4);
            }
            break;
        }
        case NpyType::Bool:
            descr = "|b1";
            for (size_t k = 0; k < n; ++k) body.push_back(i64[k] ? 1 : 0);
            break;
        case NpyType::Unicode: {
            std::vector<std::vector<uint32_t>> wide;
            size_t width = 1;
            for (const auto& s : strings) {
                wide.push_back(utf8_to_utf32(s));
                width = std::max(width, wide.back().size());
            }
            descr = "<U" + std::to_string(width);
            body.assign(4 * width * n, '\0');
            for (size_t k = 0; k < n; ++k)
                for (size_t c = 0; c < wide[k].size(); ++c) {
                    const uint32_t v = wide[k][c];
                    std::memcpy(&body[4 * (k * width + c)], &v, 4);
                }
            break;
        }
    }
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
    // Pad with spaces so that magic + version + length + header (with '\n') is a multiple of 64.
    const bool v2 = header.size() + 11 > 65535;
    const size_t prefix = v2 ? 12 : 10;
    const size_t total = ((prefix + header.size() + 1 + 63) / 64) * 64;
    header.append(total - prefix - header.size() - 1, ' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back(v2 ? 2 : 1);
    out.push_back(0);
    if (v2) put_u32(out, static_cast<uint32_t>(header.size()));
    else put_u16(out, static_cast<uint16_t>(header.size()));
    return out + header + body;
}

NpyArray NpyArray::from_npy(const std::string& bytes, const std::string& where) {
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw InvalidArgument(where + ": not a .npy array (bad magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    size_t header_length, prefix;
    if (major == 1) {
        header_length = read_u16(bytes, 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw InvalidArgument(where + ": truncated .npy header");
        header_length = read_u32(bytes, 8);
        prefix = 12;
    } else {
        throw InvalidArgument(where + ": unsupported .npy version " + std::to_string(major));
    }
    if (prefix + header_length > bytes.size()) throw InvalidArgument(where + ": truncated .npy header");
    const std::string header = bytes.substr(prefix, header_length);
    std::string descr = header_field(header, "descr", where);
    const std::string fortran = header_field(header, "fortran_order", where);
    const std::string shape_field = header_field(header, "shape", where);
    if (descr.size() < 3 || (descr.front() != '\'' && descr.front() != '"'))
        throw InvalidArgument(where + ": unsupported dtype " + descr + " (structured or object arrays are not read)");
    descr = descr.substr(1, descr.size() - 2);
    if (fortran.rfind("False", 0) != 0) throw InvalidArgument(where + ": Fortran-ordered arrays are not supported");

    NpyArray a;
    {
        std::string inner = shape_field;
        if (inner.size() < 2 || inner.front() != '(' || inner.back() != ')')
            throw InvalidArgument(where + ": malformed shape " + shape_field);
        inner = inner.substr(1, inner.size() - 2);
        std::stringstream stream(inner);
        std::string item;
        while (std::getline(stream, item, ',')) {
            size_t first = item.find_first_not_of(' ');
            if (first == std::string::npos) continue;
            try {
                a.shape.push_back(static_cast<size_t>(std::stoull(item.substr(first))));
            } catch (const std::exception&) {
                throw InvalidArgument(where + ": malformed shape " + shape_field);
            }
        }
    }
    const size_t n = a.size();
    const char* data = bytes.data() + prefix + header_length;
    const size_t available = bytes.size() - prefix - header_length;
    auto need = [&](size_t item) {
        if (available != item * n)
            throw InvalidArgument(where + ": data size " + std::to_string(available) + " bytes does not match dtype " +
                                  descr + " and shape " + shape_field);
    };
    if (descr == "<f8") {
        need(8);
        a.type = NpyType::Float64;
        a.f64.resize(n);
        std::memcpy(a.f64.data(), data, 8 * n);
    } else if (descr == "<f4") {
        need(4);
        a.type = NpyType::Float32;
        a.f64.resize(n);
        for (size_t k = 0; k < n; ++k) {
            float v;
            std::memcpy(&v, data + 4 * k, 4);
            a.f64[k] = v;
        }
    } else if (descr == "<i8") {
        need(8);
        a.type = NpyType::Int64;
        a.i64.resize(n);
        std::memcpy(a.i64.data(), data, 8 * n);
    } else if (descr == "<i4") {
        need(4);
        a.type = NpyType::Int32;
        a.i64.resize(n);
        for (size_t k = 0; k < n; ++k) {
            int32_t v;
            std::memcpy(&v, data + 4 * k, 4);
            a.i64[k] = v;
        }
    } else if (descr == "|b1") {
        need(1);
        a.type = NpyType::Bool;
        a.i64.resize(n);
        for (size_t k = 0; k < n; ++k) a.i64[k] = data[k] != 0;
    } else if (descr.rfind("<U", 0) == 0) {
        size_t width = 0;
        try {
            width = std::stoul(descr.substr(2));
        } catch (const std::exception&) {
            throw InvalidArgument(where + ": malformed dtype " + descr);
        }
        need(4 * width);
        a.type = NpyType::Unicode;
        a.strings.resize(n);
        for (size_t k = 0; k < n; ++k) {
            std::string s;
            for (size_t c = 0; c < width; ++c) {
                uint32_t v;
                std::memcpy(&v, data + 4 * (k * width + c), 4);
                if (v == 0) break;
                if (v > 0x10FFFF) throw InvalidArgument(where + ": invalid code point in a unicode array");
                append_utf8(s, v);
            }
            a.strings[k] = std::move(s);
        }
    } else {
        throw InvalidArgument(where + ": unsupported dtype '" + descr + "' (hamd reads <f8, <f4, <i8, <i4, |b1, <U)");
    }
    return a;
}

NpzArchive read_npz(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw InvalidArgument(path + ": cannot open file");
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.size() < 22) throw InvalidArgument(path + ": not an .npz file (too short for a zip archive)");

    // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
    size_t eocd = std::string::npos;
    const size_t lowest = bytes.size() > 65557 ? bytes.size() - 65557 : 0;
    for (size_t at = bytes.size() - 22 + 1; at-- > lowest;) {
        if (read_u32(bytes, at) == 0x06054b50u) {
            eocd = at;
            break;
        }
    }
    if (eocd == std::string::npos) throw InvalidArgument(path + ": not an .npz file (no zip end-of-directory record)");
    uint64_t entries = read_u16(bytes, eocd + 10);
    uint64_t directory_size = read_u32(bytes, eocd + 12);
    uint64_t directory_offset = read_u32(bytes, eocd + 16);
    if (directory_offset == 0xFFFFFFFFu || entries == 0xFFFF) {  // zip64 end of central directory
        if (eocd < 20 || read_u32(bytes, eocd - 20) != 0x07064b50u)
            throw InvalidArgument(path + ": corrupt zip64 archive (no zip64 locator)");
        const uint64_t record = read_u64(bytes, eocd - 20 + 8);
        if (record + 56 > bytes.size() || read_u32(bytes, record) != 0x06064b50u)
            throw InvalidArgument(path + ": corrupt zip64 archive (bad zip64 end record)");
        entries = read_u64(bytes, record + 32);
        directory_size = read_u64(bytes, record + 40);
        directory_offset = read_u64(bytes, record + 48);
    }
    if (directory_offset + directory_size > bytes.size())
        throw InvalidArgument(path + ": corrupt .npz (central directory beyond the end of the file; truncated?)");

    NpzArchive archive;
    size_t at = directory_offset;
    for (uint64_t e = 0; e < entries; ++e) {
        if (at + 46 > bytes.size() || read_u32(bytes, at) != 0x02014b50u)
            throw InvalidArgument(path + ": corrupt .npz (bad central directory entry " + std::to_string(e) + ")");
        const uint16_t method = read_u16(bytes, at + 10);
        const uint32_t crc = read_u32(bytes, at + 16);
        uint64_t compressed = read_u32(bytes, at + 20);
        uint64_t uncompressed = read_u32(bytes, at + 24);
        const uint16_t name_length = read_u16(bytes, at + 28);
        const uint16_t extra_length = read_u16(bytes, at + 30);
        const uint16_t comment_length = read_u16(bytes, at + 32);
        uint64_t local = read_u32(bytes, at + 42);
        if (at + 46 + name_length + extra_length > bytes.size())
            throw InvalidArgument(path + ": corrupt .npz (truncated central directory)");
        const std::string name = bytes.substr(at + 46, name_length);
        // zip64 extended information: the fields that were 0xFFFFFFFF, in order.
        for (size_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {
            const uint16_t id = read_u16(bytes, x), size = read_u16(bytes, x + 2);
            if (id == 0x0001) {
                size_t y = x + 4;
                if (uncompressed == 0xFFFFFFFFu) { uncompressed = read_u64(bytes, y); y += 8; }
                if (compressed == 0xFFFFFFFFu) { compressed = read_u64(bytes, y); y += 8; }
                if (local == 0xFFFFFFFFu) { local = read_u64(bytes, y); y += 8; }
            }
            x += 4 + size;
        }
        at += 46 + name_length + extra_length + comment_length;
        const std::string where = path + ": entry '" + name + "'";
        if (method != 0)
            throw InvalidArgument(where + " is compressed (method " + std::to_string(method) +
                                  "); hamd reads uncompressed .npz (numpy.savez, not savez_compressed)");
        if (compressed != uncompressed) throw InvalidArgument(where + ": stored sizes disagree");
        if (local + 30 > bytes.size() || read_u32(bytes, local) != 0x04034b50u)
            throw InvalidArgument(where + ": bad local header (corrupt or truncated file)");
        const size_t data_start = local + 30 + read_u16(bytes, local + 26) + read_u16(bytes, local + 28);
        if (data_start + uncompressed > bytes.size()) throw InvalidArgument(where + ": data beyond the end of the file (truncated?)");
        if (crc32(bytes.data() + data_start, uncompressed) != crc)
            throw InvalidArgument(where + ": CRC32 mismatch (the file is corrupt)");
        std::string key = name;
        if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
        archive[key] = NpyArray::from_npy(bytes.substr(data_start, uncompressed), where);
    }
    return archive;
}

void write_npz(const std::string& path, const NpzArchive& archive) {
    std::string out, directory;
    uint16_t count = 0;
    for (const auto& [key, array] : archive) {
        const std::string name = key + ".npy";
        const std::string data = array.to_npy();
        if (data.size() >= 0xFFFFFFFFu || out.size() >= 0xFFFFFFFFu)
            throw std::runtime_error(path + ": arrays too large for a plain zip (hamd writes no zip64)");
        const uint32_t crc = crc32(data.data(), data.size());
        const uint32_t offset = static_cast<uint32_t>(out.size());
        auto common = [&](std::string& s) {
            put_u16(s, 20);      // version needed
            put_u16(s, 0);       // flags
            put_u16(s, 0);       // stored
            put_u16(s, 0);       // time
            put_u16(s, 0x21);    // date 1980-01-01
            put_u32(s, crc);
            put_u32(s, static_cast<uint32_t>(data.size()));
            put_u32(s, static_cast<uint32_t>(data.size()));
            put_u16(s, static_cast<uint16_t>(name.size()));
            put_u16(s, 0);       // extra
        };
        put_u32(out, 0x04034b50u);
        common(out);
        out += name;
        out += data;
        put_u32(directory, 0x02014b50u);
        put_u16(directory, 20);  // version made by
        common(directory);
        put_u16(directory, 0);   // comment
        put_u16(directory, 0);   // disk
        put_u16(directory, 0);   // internal attributes
        put_u32(directory, 0);   // external attributes
        put_u32(directory, offset);
        directory += name;
        ++count;
    }
    const uint32_t directory_offset = static_cast<uint32_t>(out.size());
    out += directory;
    put_u32(out, 0x06054b50u);
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, count);
    put_u16(out, count);
    put_u32(out, static_cast<uint32_t>(directory.size()));
    put_u32(out, directory_offset);
    put_u16(out, 0);

    const std::string temporary = path + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file) throw std::runtime_error(temporary + ": cannot open for writing");
        file.write(out.data(), static_cast<std::streamsize>(out.size()));
        if (!file) throw std::runtime_error(temporary + ": write failed");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot rename " + temporary);
}

const NpyArray& npz_get(const NpzArchive& archive, const std::string& name, NpyType type, const std::string& file) {
    auto it = archive.find(name);
    if (it == archive.end()) throw InvalidArgument(file + ": entry '" + name + "' is missing");
    const NpyType actual = it->second.type;
    const bool integer_ok = type == NpyType::Int64 && (actual == NpyType::Int32 || actual == NpyType::Bool);
    if (actual != type && !integer_ok)
        throw InvalidArgument(file + ": entry '" + name + "' is " + type_name(actual) + ", expected " + type_name(type));
    return it->second;
}

std::string npz_string(const NpzArchive& archive, const std::string& name, const std::string& file) {
    const NpyArray& a = npz_get(archive, name, NpyType::Unicode, file);
    if (a.size() != 1) throw InvalidArgument(file + ": entry '" + name + "' should be a single string");
    return a.strings[0];
}

int64_t npz_int(const NpzArchive& archive, const std::string& name, const std::string& file) {
    const NpyArray& a = npz_get(archive, name, NpyType::Int64, file);
    if (a.size() != 1) throw InvalidArgument(file + ": entry '" + name + "' should be a single integer");
    return a.i64[0];
}

}  // namespace hamd
