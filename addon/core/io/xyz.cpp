#include "core/io/xyz.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/base/errors.hpp"
#include "core/systems/elements.hpp"

namespace hamd {

namespace {

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string trim(const std::string& text) {
    const size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    const size_t last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> result;
    for (std::string word; in >> word;) result.push_back(word);
    return result;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator)) parts.push_back(part);
    if (!text.empty() && text.back() == separator) parts.push_back("");
    return parts;
}

const std::string* find(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& key) {
    for (const auto& [name, value] : pairs)
        if (name == key) return &value;
    return nullptr;
}

[[noreturn]] void fail(const std::string& source, size_t line, const std::string& message) {
    throw InvalidArgument(source + ":" + std::to_string(line) + ": " + message);
}

// A number as strtod reads it, the whole word ("nan" included: validation reports it later).
double parse_number(const std::string& word, const std::string& where) {
    char* end = nullptr;
    const double value = word.empty() ? 0 : std::strtod(word.c_str(), &end);
    if (word.empty() || end != word.c_str() + word.size()) throw InvalidArgument(where + ": \"" + word + "\" is not a number");
    return value;
}

bool parse_flag(const std::string& word, const std::string& where) {
    const std::string w = lower(word);
    if (w == "t" || w == "true" || w == "1") return true;
    if (w == "f" || w == "false" || w == "0") return false;
    throw InvalidArgument(where + ": \"" + word + "\" is not a boolean (T/F)");
}

struct Columns {
    size_t species = 0, position = 1, count = 4;
};

Columns parse_properties(const std::string* spec, const std::string& where) {
    Columns columns;
    if (spec == nullptr) return columns;
    const std::vector<std::string> parts = split(*spec, ':');
    if (parts.size() % 3 != 0) throw InvalidArgument(where + ": Properties=\"" + *spec + "\" is not name:type:count triples");
    long species = -1, position = -1;
    size_t column = 0;
    for (size_t i = 0; i < parts.size(); i += 3) {
        const std::string name = lower(parts[i]), type = lower(parts[i + 1]);
        char* end = nullptr;
        const long count = std::strtol(parts[i + 2].c_str(), &end, 10);
        if (parts[i + 2].empty() || *end != '\0' || count < 1)
            throw InvalidArgument(where + ": Properties \"" + parts[i] + "\" has count \"" + parts[i + 2] + "\"");
        if ((name == "species" || name == "z" || name == "numbers") && species < 0) species = static_cast<long>(column);
        if ((name == "pos" || name == "positions") && type == "r" && count == 3) position = static_cast<long>(column);
        column += static_cast<size_t>(count);
    }
    if (species < 0) throw InvalidArgument(where + ": Properties=\"" + *spec + "\" has no species column");
    if (position < 0) throw InvalidArgument(where + ": Properties=\"" + *spec + "\" has no pos:R:3 column");
    columns.species = static_cast<size_t>(species);
    columns.position = static_cast<size_t>(position);
    columns.count = column;
    return columns;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_xyz_comment(const std::string& line) {
    std::vector<std::pair<std::string, std::string>> pairs;
    size_t at = 0;
    while (at < line.size()) {
        // a key: [A-Za-z_][\w:-]*, then optional spaces, '='
        if (!(std::isalpha(static_cast<unsigned char>(line[at])) || line[at] == '_') ||
            (at > 0 && !std::isspace(static_cast<unsigned char>(line[at - 1])) && line[at - 1] != '"' && line[at - 1] != '}')) {
            ++at;
            continue;
        }
        size_t end = at;
        while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_' ||
                                     line[end] == ':' || line[end] == '-'))
            ++end;
        size_t eq = end;
        while (eq < line.size() && std::isspace(static_cast<unsigned char>(line[eq]))) ++eq;
        if (eq >= line.size() || line[eq] != '=') {
            at = end;
            continue;
        }
        size_t value_start = eq + 1;
        while (value_start < line.size() && std::isspace(static_cast<unsigned char>(line[value_start]))) ++value_start;
        std::string value;
        size_t next = value_start;
        if (value_start < line.size() && (line[value_start] == '"' || line[value_start] == '{')) {
            const char close = line[value_start] == '"' ? '"' : '}';
            size_t stop = value_start + 1;
            while (stop < line.size() && line[stop] != close) stop += (line[stop] == '\\' && close == '"') ? 2 : 1;
            value = line.substr(value_start + 1, std::min(stop, line.size()) - value_start - 1);
            next = stop + 1;
        } else {
            size_t stop = value_start;
            while (stop < line.size() && !std::isspace(static_cast<unsigned char>(line[stop])) && line[stop] != '"') ++stop;
            value = line.substr(value_start, stop - value_start);
            next = stop;
        }
        pairs.emplace_back(lower(line.substr(at, end - at)), trim(value));
        at = next;
    }
    return pairs;
}

std::vector<System> parse_extended_xyz(const std::string& text, const std::string& source) {
    std::vector<std::string> lines;
    {
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            lines.push_back(line);
        }
    }
    std::vector<System> frames;
    size_t line = 0;
    while (line < lines.size()) {
        const std::string header = trim(lines[line]);
        if (header.empty()) {
            ++line;
            continue;
        }
        if (header.find_first_not_of("0123456789") != std::string::npos || header.size() > 9)
            fail(source, line + 1, "expected the number of atoms, found \"" + header + "\"");
        const size_t n = std::stoul(header);
        if (line + 1 >= lines.size()) fail(source, line + 1, "comment line missing");
        const std::string where = source + ":" + std::to_string(line + 2);
        const auto info = parse_xyz_comment(lines[line + 1]);
        const Columns columns = parse_properties(find(info, "properties"), where);

        System system;
        bool has_cell = false;
        if (const std::string* lattice = find(info, "lattice")) {
            const std::vector<std::string> numbers = words(*lattice);
            if (numbers.size() != 9)
                throw InvalidArgument(where + ": Lattice has " + std::to_string(numbers.size()) + " numbers, expected 9");
            for (size_t k = 0; k < 9; ++k) system.cell[k] = parse_number(numbers[k], where + ": Lattice");
            has_cell = true;
            system.pbc = {true, true, true};
        }
        if (const std::string* pbc = find(info, "pbc")) {
            const std::vector<std::string> flags = words(*pbc);
            if (flags.size() != 3) throw InvalidArgument(where + ": pbc=\"" + *pbc + "\" needs 3 values");
            for (size_t d = 0; d < 3; ++d) system.pbc[d] = parse_flag(flags[d], where + ": pbc");
            if ((system.pbc[0] || system.pbc[1] || system.pbc[2]) && !has_cell)
                throw InvalidArgument(where + ": pbc=\"" + *pbc + "\" but no Lattice");
        }

        system.types.reserve(n);
        system.positions.reserve(3 * n);
        for (size_t atom = 0; atom < n; ++atom) {
            const size_t index = line + 2 + atom;
            const std::string atom_where = source + ":" + std::to_string(index + 1);
            if (index >= lines.size() || trim(lines[index]).empty())
                throw InvalidArgument(atom_where + ": frame of " + std::to_string(n) + " atoms is truncated");
            const std::vector<std::string> columns_of_atom = words(lines[index]);
            if (columns_of_atom.size() < columns.count)
                throw InvalidArgument(atom_where + ": " + std::to_string(columns_of_atom.size()) + " columns, expected " +
                                      std::to_string(columns.count));
            const int z = atomic_number(columns_of_atom[columns.species]);
            if (z == 0) throw InvalidArgument(atom_where + ": \"" + columns_of_atom[columns.species] + "\" is not an element");
            system.types.push_back(z);
            for (size_t d = 0; d < 3; ++d) system.positions.push_back(parse_number(columns_of_atom[columns.position + d], atom_where));
        }
        frames.push_back(std::move(system));
        line += 2 + n;
    }
    if (frames.empty()) throw InvalidArgument(source + ": no frames");
    return frames;
}

std::vector<System> read_extended_xyz(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw InvalidArgument(path + ": no such file or not readable");
    std::ostringstream text;
    text << file.rdbuf();
    return parse_extended_xyz(text.str(), path);
}

}  // namespace hamd
