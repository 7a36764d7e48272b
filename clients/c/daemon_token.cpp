#include "daemon_token.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hamd_c {
namespace {

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string token_file() {
    if (const char* file = std::getenv("HAMD_TOKEN_FILE"); file && *file) return file;
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && config[0] == '/') return std::string(config) + "/hamd/token";
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + "/.config/hamd/token";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string daemon_certificate(std::string* path) {
    std::string file;
    if (const char* given = std::getenv("HAMD_TLS_CERT"); given && *given) {
        file = given;
    } else {
        file = token_file();
        file = file.substr(0, file.find_last_of('/') + 1) + "cert.pem";
    }
    if (path) *path = file;
    return read_file(file);
}

std::string daemon_token() {
    if (const char* token = std::getenv("HAMD_TOKEN"); token && *token) return trimmed(token);
    return trimmed(read_file(token_file()));
}

}  // namespace hamd_c
