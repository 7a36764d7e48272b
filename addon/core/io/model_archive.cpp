#include "core/io/model_archive.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

// The raw data bytes of an array (its .npy file without the header).
std::string raw_bytes(const NpyArray& a) {
    const std::string npy = a.to_npy();
    const size_t header = npy[6] == 1 ? 10 + (static_cast<unsigned char>(npy[8]) | (static_cast<unsigned char>(npy[9]) << 8))
                                      : 12 + (static_cast<unsigned char>(npy[8]) | (static_cast<unsigned char>(npy[9]) << 8) |
                                              (static_cast<unsigned char>(npy[10]) << 16));
    return npy.substr(header);
}

}  // namespace

std::string json_quote(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
                    out += buffer;
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    return out + "\"";
}

std::string archive_checksum(const NpzArchive& archive) {
    uint32_t crc = 0;
    for (const auto& [name, array] : archive) {
        if (name == "checksum") continue;
        crc = crc32(name.data(), name.size(), crc);
        crc = crc32("", 1, crc);
        const std::string bytes = raw_bytes(array);
        crc = crc32(bytes.data(), bytes.size(), crc);
    }
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "crc32:%08x", crc);
    return buffer;
}

std::string json_number(double x) {
    if (!std::isfinite(x)) return "null";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", x);
    return buffer;
}

std::string write_model_archive(NpzArchive archive, const std::string& path) {
    archive.erase("checksum");
    std::string checksum = archive_checksum(archive);
    archive["checksum"] = NpyArray::scalar_string(checksum);
    write_npz(path, archive);
    return checksum;
}

NpzArchive read_model_archive(const std::string& path, const std::string& format, int version,
                              const std::string& description) {
    return read_model_archive(path, format, version, version, description, nullptr);
}

NpzArchive read_model_archive(const std::string& path, const std::string& format, int oldest, int newest,
                              const std::string& description, int* version) {
    NpzArchive a = read_npz(path);
    const auto found = a.find("format");
    if (found == a.end() || found->second.type != NpyType::Unicode || found->second.strings.size() != 1 ||
        found->second.strings[0] != format) {
        const std::string other = found != a.end() && found->second.type == NpyType::Unicode && found->second.strings.size() == 1
                                      ? " (it is a '" + found->second.strings[0] + "' file)"
                                      : "";
        throw InvalidArgument(path + ": not a " + description + " (no format '" + format + "')" + other);
    }
    const int64_t stored_version = npz_int(a, "format_version", path);
    if (stored_version < oldest || stored_version > newest)
        throw InvalidArgument(path + ": model format_version " + std::to_string(stored_version) +
                              " is not supported (this hamd reads " +
                              (oldest == newest ? std::to_string(oldest) : std::to_string(oldest) + " to " + std::to_string(newest)) + ")");
    if (version) *version = static_cast<int>(stored_version);
    const std::string stored = npz_string(a, "checksum", path);
    const std::string actual = archive_checksum(a);
    if (stored != actual)
        throw InvalidArgument(path + ": checksum mismatch (stored " + stored + ", computed " + actual +
                              "): the model file is corrupt or was edited");
    return a;
}

std::string model_file_format(const std::string& path) {
    const NpzArchive a = read_npz(path);
    const auto found = a.find("format");
    if (found == a.end() || found->second.type != NpyType::Unicode || found->second.strings.size() != 1) return "";
    return found->second.strings[0];
}

}  // namespace hamd
