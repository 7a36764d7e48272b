// Minimal TAP emitter for the C++ core tests: each CHECK prints "ok N - name" or
// "not ok N - name # details"; finish() prints the plan and returns the exit code.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

namespace check {

inline int& counter() { static int n = 0; return n; }
inline int& failures() { static int n = 0; return n; }

inline bool ok(bool condition, const std::string& name, const std::string& details = "") {
    int n = ++counter();
    if (condition) {
        std::printf("ok %d - %s\n", n, name.c_str());
    } else {
        ++failures();
        std::printf("not ok %d - %s%s%s\n", n, name.c_str(), details.empty() ? "" : " # ", details.c_str());
    }
    std::fflush(stdout);
    return condition;
}

// |actual - expected| <= tolerance * max(1, |expected|) ... or absolute when relative = false.
inline bool close(double actual, double expected, double tolerance, const std::string& name, bool relative = true) {
    double scale = relative ? std::fmax(1.0, std::fabs(expected)) : 1.0;
    bool good = std::fabs(actual - expected) <= tolerance * scale && std::isfinite(actual);
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, "actual %.17g expected %.17g tolerance %.3g", actual, expected, tolerance);
    return ok(good, name, good ? "" : buffer);
}

inline int finish() {
    std::printf("1..%d\n", counter());
    return failures() == 0 ? 0 : 1;
}

// Whether f() throws an Error (any other exception, or none: false); its what() into *message.
template <class Error, class F>
bool throws(F&& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const Error& error) {
        if (message) *message = error.what();
        return true;
    } catch (...) {
        return false;
    }
    return false;
}

}  // namespace check
