// .npz reader/writer: round trip of every supported dtype, a file written by numpy itself,
// numpy reading what hamd writes, and clear errors for corrupt or foreign files.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include "core/base/errors.hpp"
#include "core/io/npz.hpp"
#include "check.hpp"

using namespace hamd;

namespace {

std::string temp_path(const std::string& name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/hamd-test-npz-" + std::to_string(::getpid()) + "-" + name;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void spit(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool throws_invalid(const std::string& path, const std::string& must_contain) {
    try {
        read_npz(path);
    } catch (const InvalidArgument& e) {
        const std::string message = e.what();
        const bool good = message.find(path) != std::string::npos && message.find(must_contain) != std::string::npos;
        if (!good) std::printf("# message: %s\n", e.what());
        return good;
    } catch (...) {
        return false;
    }
    return false;
}

bool have_numpy() { return std::system("python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

}  // namespace

int main() {
    // CRC32 of "123456789" is the standard check value.
    check::ok(crc32("123456789", 9) == 0xCBF43926u, "crc32 check value");

    NpzArchive archive;
    archive["x"] = NpyArray::float64({1.5, -2.25, 3e-300, 4, 5, 6}, {2, 3});
    archive["n"] = NpyArray::int64({-7, 1LL << 40}, {2});
    archive["k"] = NpyArray::int32({-3, 2, 1}, {3});
    archive["b"] = NpyArray::boolean({1, 0, 1}, {3});
    archive["s"] = NpyArray::unicode({"H", "\xc3\x85ngstr\xc3\xb6m", ""}, {3});
    archive["scalar"] = NpyArray::scalar_string("hamd");
    archive["v"] = NpyArray::scalar_int(1);
    const std::string path = temp_path("roundtrip.npz");
    write_npz(path, archive);
    const NpzArchive back = read_npz(path);
    check::ok(back.size() == archive.size(), "round trip keeps every entry");
    check::ok(back.at("x").type == NpyType::Float64 && back.at("x").shape == std::vector<size_t>{2, 3} &&
                  back.at("x").f64 == archive["x"].f64,
              "float64 2-d round trip is exact");
    check::ok(back.at("n").i64 == archive["n"].i64 && back.at("n").type == NpyType::Int64, "int64 round trip");
    check::ok(back.at("k").i64 == archive["k"].i64 && back.at("k").type == NpyType::Int32, "int32 round trip");
    check::ok(back.at("b").i64 == archive["b"].i64 && back.at("b").type == NpyType::Bool, "bool round trip");
    check::ok(back.at("s").strings == archive["s"].strings, "unicode (non-ASCII) round trip");
    check::ok(back.at("scalar").shape.empty() && npz_string(back, "scalar", path) == "hamd", "0-d string scalar");
    check::ok(npz_int(back, "v", path) == 1, "0-d integer scalar");

    if (have_numpy()) {
        // numpy reads what hamd writes.
        const std::string script = "python3 -c \"import numpy as np; d = np.load('" + path +
                                   "', allow_pickle=False); "
                                   "assert d['x'].shape == (2, 3) and d['x'][1, 2] == 6 and d['x'].dtype == np.float64; "
                                   "assert d['n'][1] == 2**40 and d['k'].dtype == np.int32 and d['b'].dtype == bool; "
                                   "assert list(d['s']) == ['H', '\\u00c5ngstr\\u00f6m', ''] and str(d['scalar']) == 'hamd'\"";
        check::ok(std::system(script.c_str()) == 0, "numpy.load reads hamd's file");

        // hamd reads what numpy writes (numpy.savez uses zip64 local headers).
        const std::string from_numpy = temp_path("numpy.npz");
        const std::string make = "python3 -c \"import numpy as np; np.savez('" + from_numpy +
                                 "', a=np.arange(12, dtype=np.float64).reshape(3, 4) / 8, i=np.array([1, -2], dtype=np.int64), "
                                 "j=np.array([[5], [6]], dtype=np.int32), t=np.array([True, False]), "
                                 "u=np.array(['ab', 'xyz\\u03bb']), f='hamd-hamiltonian-dataset', "
                                 "big=np.linspace(0, 1, 100000))\"";
        if (check::ok(std::system(make.c_str()) == 0, "numpy wrote a reference file")) {
            const NpzArchive numpy = read_npz(from_numpy);
            check::ok(numpy.at("a").shape == std::vector<size_t>{3, 4} && numpy.at("a").f64[11] == 11.0 / 8,
                      "reads numpy float64 matrix");
            check::ok(numpy.at("i").i64 == std::vector<int64_t>{1, -2}, "reads numpy int64");
            check::ok(numpy.at("j").type == NpyType::Int32 && numpy.at("j").i64 == std::vector<int64_t>{5, 6} &&
                          numpy.at("j").shape == std::vector<size_t>{2, 1},
                      "reads numpy int32 column");
            check::ok(numpy.at("t").i64 == std::vector<int64_t>{1, 0}, "reads numpy bool");
            check::ok(numpy.at("u").strings == std::vector<std::string>{"ab", "xyz\xce\xbb"}, "reads numpy unicode");
            check::ok(npz_string(numpy, "f", from_numpy) == "hamd-hamiltonian-dataset", "reads numpy 0-d string");
            check::ok(numpy.at("big").size() == 100000 && numpy.at("big").f64[99999] == 1.0, "reads a larger array");

            // Corruption: flip one byte inside an array's data -> CRC32 mismatch.
            std::string bytes = slurp(from_numpy);
            const size_t at = bytes.find("\x93NUMPY", 200) + 400;  // inside some array body
            bytes[at] ^= 0x5A;
            const std::string corrupt = temp_path("corrupt.npz");
            spit(corrupt, bytes);
            check::ok(throws_invalid(corrupt, "CRC32"), "a flipped byte is detected by the CRC32 check");

            // Truncation.
            spit(corrupt, slurp(from_numpy).substr(0, 5000));
            check::ok(throws_invalid(corrupt, "not an .npz"), "a truncated file is rejected clearly");

            // Compressed archives are foreign to hamd.
            const std::string compressed = temp_path("compressed.npz");
            const std::string make_compressed = "python3 -c \"import numpy as np; np.savez_compressed('" + compressed +
                                                "', a=np.zeros(100))\"";
            if (std::system(make_compressed.c_str()) == 0)
                check::ok(throws_invalid(compressed, "compressed"), "savez_compressed files are rejected with a reason");
            std::remove(compressed.c_str());
            std::remove(corrupt.c_str());
        }
        std::remove(from_numpy.c_str());
    } else {
        check::ok(true, "# SKIP numpy not available");
    }

    // Foreign files.
    const std::string foreign = temp_path("foreign.npz");
    spit(foreign, "this is a text file, certainly not a zip archive of arrays\n");
    check::ok(throws_invalid(foreign, "not an .npz"), "a text file is rejected as not an .npz");
    check::ok(throws_invalid(temp_path("missing.npz"), "cannot open"), "a missing file is reported");
    std::remove(foreign.c_str());

    // Type checks on access.
    bool mistyped = false;
    try {
        npz_get(back, "s", NpyType::Float64, path);
    } catch (const InvalidArgument& e) {
        mistyped = std::string(e.what()).find("'s' is unicode") != std::string::npos;
    }
    check::ok(mistyped, "npz_get names a mistyped entry");
    std::remove(path.c_str());
    return check::finish();
}
