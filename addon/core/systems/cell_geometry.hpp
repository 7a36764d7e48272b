// Geometry of a (partly) periodic cell, shared by validate_system and the neighbour
// list so that both agree on what "singular" means. Internal helper, header-only.
#pragma once
#include <array>
#include <cmath>

namespace hamd {
namespace cell_geometry {

using Vec3 = std::array<double, 3>;

inline Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }

struct CellGeometry {
    int n_periodic = 0;
    // Measure of the periodic sub-lattice: volume (3 periodic), area (2) or length (1).
    double measure = 0.0;
    bool singular = false;
    // Rows: the periodic lattice vectors, completed by orthonormal vectors along
    // non-periodic directions, so that fractional coordinates are always defined.
    Vec3 rows[3];
    Vec3 inverse_columns[3];   // fractional_k = dot(inverse_columns[k], r)
    double face_distance[3];   // distance between opposite faces, per periodic direction
};

// A periodic cell is singular if its measure is (relatively or absolutely) negligible.
inline CellGeometry analyse_cell(const std::array<double, 9>& cell, const std::array<bool, 3>& pbc) {
    CellGeometry g;
    Vec3 given[3];
    double length_product = 1.0;
    int periodic_index[3];
    int non_periodic_index[3];
    int n_non_periodic = 0;
    for (int k = 0; k < 3; ++k) {
        given[k] = {cell[3 * k], cell[3 * k + 1], cell[3 * k + 2]};
        if (pbc[k]) {
            periodic_index[g.n_periodic++] = k;
            length_product *= norm(given[k]);
        } else {
            non_periodic_index[n_non_periodic++] = k;
        }
    }
    for (int k = 0; k < 3; ++k) g.rows[k] = {k == 0 ? 1.0 : 0.0, k == 1 ? 1.0 : 0.0, k == 2 ? 1.0 : 0.0};
    if (g.n_periodic == 0) {
        for (int k = 0; k < 3; ++k) { g.inverse_columns[k] = g.rows[k]; g.face_distance[k] = 1.0; }
        return g;
    }
    for (int p = 0; p < g.n_periodic; ++p) g.rows[periodic_index[p]] = given[periodic_index[p]];
    if (g.n_periodic == 3) {
        g.measure = std::fabs(dot(given[0], cross(given[1], given[2])));
    } else if (g.n_periodic == 2) {
        Vec3 normal = cross(given[periodic_index[0]], given[periodic_index[1]]);
        g.measure = norm(normal);
        if (g.measure > 0) {
            for (double& x : normal) x /= g.measure;
            g.rows[non_periodic_index[0]] = normal;
        }
    } else {
        Vec3 a = given[periodic_index[0]];
        g.measure = norm(a);
        if (g.measure > 0) {
            for (double& x : a) x /= g.measure;
            // Any axis not parallel to a gives a first orthonormal complement.
            Vec3 axis = std::fabs(a[0]) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
            Vec3 e1 = cross(a, axis);
            double n1 = norm(e1);
            for (double& x : e1) x /= n1;
            g.rows[non_periodic_index[0]] = e1;
            g.rows[non_periodic_index[1]] = cross(a, e1);
        }
    }
    g.singular = !(g.measure > 1e-10 * length_product) || !(g.measure > 1e-8) || !std::isfinite(g.measure);
    if (g.singular) return g;

    // inverse of the row matrix H (r = f . H): columns are (b x c, c x a, a x b) / det.
    double det = dot(g.rows[0], cross(g.rows[1], g.rows[2]));
    for (int k = 0; k < 3; ++k) {
        Vec3 c = cross(g.rows[(k + 1) % 3], g.rows[(k + 2) % 3]);
        double area = norm(c);
        for (int d = 0; d < 3; ++d) g.inverse_columns[k][d] = c[d] / det;
        g.face_distance[k] = std::fabs(det) / area;
    }
    return g;
}

}  // namespace cell_geometry
}  // namespace hamd
