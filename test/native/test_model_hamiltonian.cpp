// Direct Hamiltonian model: equivariance of predictions, symmetry of F', reproduction of its
// training Fock matrices, model-file round trip and corruption, bad-input errors.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include <unistd.h>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/models/hamiltonian/prediction.hpp"
#include "core/qc/orbital_order.hpp"
#include "test_model_util.hpp"

using namespace hamd;

namespace {

template <class F>
bool throws_invalid(F&& f, const std::string& must_contain) {
    try {
        f();
    } catch (const InvalidArgument& e) {
        const bool good = std::string(e.what()).find(must_contain) != std::string::npos;
        if (!good) std::printf("# message: %s\n", e.what());
        return good;
    } catch (const std::exception& e) {
        std::printf("# other exception: %s\n", e.what());
        return false;
    }
    return false;
}

HamiltonianFeatureSettings small_features() {
    HamiltonianFeatureSettings fs;
    fs.hypers.cutoff = 6.0;  // every pair of these molecules: no F' entry is cut away
    fs.hypers.cutoff_width = 0.5;
    fs.hypers.max_radial = 3;
    fs.hypers.max_angular = 2;
    fs.hypers.density_width = 0.4;
    return fs;
}

}  // namespace

int main() {
    const Basis basis = Basis::sto3g();
    std::mt19937 rng(7);
    std::vector<ReferenceStructure> refs;
    for (int k = 0; k < 6; ++k) refs.push_back(modeltest::synthetic_reference(basis, modeltest::displaced(hamtest::methanol(), 0.04, rng), 0));
    for (int k = 0; k < 6; ++k)
        refs.push_back(modeltest::synthetic_reference(basis, modeltest::displaced(hamtest::ethylamine_like(), 0.04, rng), 1));
    std::vector<const ReferenceStructure*> pointers;
    for (const auto& r : refs) pointers.push_back(&r);

    ThreadPool pool(2);
    HamiltonianModel model(basis, small_features());
    auto examples = prepare_examples(model, pointers, LevelWeights{}, pool);
    // Near-interpolation: a tiny alpha and no CV. Each family has far more features than
    // samples here (12 structures), so ridge can fit the training blocks almost exactly.
    RidgeSettings ridge;
    ridge.alphas = {1e-10};
    ridge.folds = 1;
    const DirectReport report = train_direct(model, examples, ridge, pool);
    std::printf("# direct fit: %zu keys, %zu weights, training |F' error| mean %.3g max %.3g Hartree\n", report.n_keys,
                report.n_weights, report.train_fock_mae, report.train_fock_max);
    // Measured (this test, 12 structures): mean 2.2e-5, max 1.1e-3 Hartree. Not zero because
    // small displacements (0.04 A) make the features nearly collinear, so even alpha = 1e-10 x the
    // mean Gram diagonal regularises some directions. Bounds: ~5x the measurement. A wrong sample
    // alignment, a sign error in the +/- symmetrisation or a broken coupling gives 0.1-10 Hartree.
    check::ok(report.train_fock_mae < 1e-4, "direct model reproduces its training F' (mean |error| < 1e-4 Ha)");
    check::ok(report.train_fock_max < 5e-3, "direct model reproduces its training F' (max |error| < 5e-3 Ha)");
    check::ok(report.n_keys > 20, "every block type present gets a key");

    // Also a properly cross-validated fit trains and stays close (more regularised).
    const System fresh = modeltest::displaced(hamtest::ethylamine_like(), 0.03, rng);
    {
        HamiltonianModel cv_model(basis, small_features());
        RidgeSettings cv;
        cv.folds = 3;
        std::vector<ReferenceStructure> split = refs;  // three "molecules" so that CV has folds
        for (size_t k = 0; k < split.size(); ++k) split[k].molecule = static_cast<int>(k % 3);
        std::vector<const ReferenceStructure*> split_pointers;
        for (const auto& r : split) split_pointers.push_back(&r);
        const auto cv_examples = prepare_examples(cv_model, split_pointers, LevelWeights{}, pool);
        const DirectReport cv_report = train_direct(cv_model, cv_examples, cv, pool);
        const double unseen = hamtest::max_abs(cv_model.predict_orthogonal(fresh) - modeltest::huckel_orthogonal_fock(basis, fresh));
        std::printf("# cross-validated fit: CV RMSE %.3g, training MAE %.3g, unseen geometry max |error| %.3g Hartree\n",
                    cv_report.cv_rmse, cv_report.train_fock_mae, unseen);
        check::ok(std::isfinite(cv_report.cv_rmse) && cv_report.cv_rmse > 0 && cv_report.train_fock_mae < 5e-3,
                  "cross-validated ridge trains (CV RMSE finite, training MAE < 5 mHa)");
        check::ok(unseen < 0.05, "cross-validated model predicts an unseen geometry within 0.05 Ha");
    }

    // Predictions on a new geometry: symmetric, equivariant under rotation.
    const Eigen::MatrixXd F = model.predict_orthogonal(fresh);
    check::ok(hamtest::max_abs(F - F.transpose()) < 1e-14, "predicted F' is symmetric");
    const OrbitalLayout layout(basis, fresh.types);
    const Eigen::VectorXd eps = symmetric_eigen(F, false).values;
    std::mt19937 rotations(11);
    for (int trial = 0; trial < 2; ++trial) {
        double R[9];
        wigner::random_rotation(rotations, R);
        const System turned = hamtest::rotated(fresh, R);
        const Eigen::MatrixXd Fr = model.predict_orthogonal(turned);
        const Eigen::MatrixXd D = hamtest::orbital_rotation(layout, R);
        const double deviation = hamtest::max_abs(Fr - D * F * D.transpose());
        check::ok(deviation < 1e-10, "rotating the molecule rotates F' by D^l on every shell", "max deviation " + std::to_string(deviation));
        const Eigen::VectorXd eps_r = symmetric_eigen(Fr, false).values;
        const double shift = (eps_r - eps).cwiseAbs().maxCoeff() * kHartreeEv;
        check::ok(shift < 1e-8, "orbital energies are rotation invariant (1e-8 eV)", "max shift " + std::to_string(shift) + " eV");
    }
    // Translation and atom permutation.
    {
        System moved = fresh;
        for (size_t i = 0; i < moved.size(); ++i) moved.positions[3 * i] += 3.7;
        check::ok(hamtest::max_abs(model.predict_orthogonal(moved) - F) < 1e-10, "translation leaves F' unchanged");
        System swapped = fresh;  // swap the two carbons (atoms 0 and 1)
        for (int d = 0; d < 3; ++d) std::swap(swapped.positions[d], swapped.positions[3 + d]);
        const Eigen::VectorXd eps_s = symmetric_eigen(model.predict_orthogonal(swapped), false).values;
        check::ok((eps_s - eps).cwiseAbs().maxCoeff() < 1e-10, "permuting same-species atoms leaves the spectrum unchanged");
    }

    // Model file round trip.
    const std::string path = "/tmp/hamd-test-model-" + std::to_string(::getpid()) + ".npz";
    model.metadata_json = "{\"test\": true}";
    save_hamiltonian_model(model, path);
    const auto loaded = load_hamiltonian_model(path);
    check::ok(hamtest::max_abs(loaded->predict_orthogonal(fresh) - F) == 0.0, "a saved and loaded model predicts identically");
    check::ok(loaded->metadata_json == model.metadata_json && !loaded->has_indirect(), "metadata survives, no indirect weights");
    {
        // Typed self-description: every field from the file, none read by a caller's key path.
        loaded->metadata_json = "{\"units\": {\"energy\": \"hartree\"}, \"validation\": {\"occupied_mae_ev\": 0.25, "
                                "\"per_level\": [0.5, 1.5], \"note\": \"text\"}, \"test\": true}";
        const ModelMetadata m = describe_model(*loaded);
        bool counts = m.orbital_counts.size() == m.species.size();
        for (const auto& [z, count] : m.orbital_counts) counts = counts && count == loaded->basis().orbital_count(z);
        check::ok(m.kind == "hamiltonian" && m.format == kModelFormat && m.format_version == kModelFormatVersion &&
                      m.species == loaded->species() && m.basis == loaded->basis().name && m.cutoff == loaded->pair_cutoff(),
                  "describe_model: kind, format, species, basis, cutoff");
        check::ok(counts, "describe_model: orbital count of every species from the basis");
        check::ok(m.checksum.rfind("crc32:", 0) == 0 && m.checksum == read_npz(path).at("checksum").strings[0],
                  "describe_model: the checksum stored in the file", m.checksum);
        check::ok(m.validation == std::vector<std::pair<std::string, double>>{{"occupied_mae_ev", 0.25}, {"per_level.0", 0.5},
                                                                               {"per_level.1", 1.5}},
                  "describe_model: validation metrics are the numbers under 'validation', by dotted name");
        check::ok(m.outputs == prediction_outputs() && m.energy_unit == "hartree" && !m.has_indirect,
                  "describe_model: outputs, energy unit, no indirect weights");
        loaded->metadata_json = "{\"validation\": ";
        check::ok(throws_invalid([&] { describe_model(*loaded); }, "model metadata"), "describe_model: corrupt metadata is InvalidArgument");
        loaded->metadata_json = model.metadata_json;
    }
    {
        // Predictions: electrons with charge, integer orbital labels matching the names, empty structures refused.
        PredictionOptions options;
        options.outputs = {"orbital_labels", "homo", "fock"};
        const Prediction p = predict(*loaded, fresh, options);
        int electrons = 0;
        for (int32_t z : fresh.types) electrons += z;
        check::ok(p.n_electrons == electrons && p.has_frontier, "predict: n_electrons is the sum of atomic numbers");
        bool labels = static_cast<int>(p.orbitals.size()) == 4 * p.n_orbitals && static_cast<int>(p.orbital_names.size()) == p.n_orbitals;
        const OrbitalLayout layout_fresh(loaded->basis(), fresh.types);
        for (int k = 0; labels && k < p.n_orbitals; ++k) {
            const OrbitalLabel& l = layout_fresh.labels()[k];
            labels = p.orbitals[4 * k] == l.atom && p.orbitals[4 * k + 1] == l.n && p.orbitals[4 * k + 2] == l.l &&
                     p.orbitals[4 * k + 3] == l.m && p.orbital_names[k] == orbital_label_string(layout_fresh, l);
        }
        check::ok(labels, "predict: (atom, n, l, m) rows and names of every orbital in hamd order");
        options.charge = -2;
        check::ok(predict(*loaded, fresh, options).n_electrons == electrons + 2, "predict: charge -2 adds two electrons");
        options.charge = 1;
        check::ok(throws_invalid([&] { predict(*loaded, fresh, options); }, "electrons"), "predict: an odd electron count has no closed-shell HOMO");
        check::ok(throws_invalid([&] { predict(*loaded, System{}, options); }, "no atoms"), "predict: a structure without atoms is InvalidArgument");
        options.outputs = {"orthogonal_fock"};
        check::ok(throws_invalid([&] { predict(*loaded, fresh, options); }, "fock_orthogonal"), "predict: unknown output names the known ones");
    }
    check::ok(std::system(("python3 -c \"import numpy as np, zlib; d = np.load('" + path +
                           "', allow_pickle=False); c = 0\nfor k in sorted(d.files):\n    c = c if k == 'checksum' else "
                           "zlib.crc32(d[k].tobytes(), zlib.crc32(k.encode() + b'\\0', c))\nassert str(d['checksum']) == "
                           "'crc32:%08x' % c and str(d['format']) == 'hamd-hamiltonian-model'\" 2>/dev/null")
                              .c_str()) == 0,
              "numpy alone reads the model and verifies its checksum");

    // Corrupt and foreign files.
    {
        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        bytes[bytes.size() / 2] ^= 0x40;
        const std::string corrupt = path + ".corrupt.npz";
        std::ofstream(corrupt, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        check::ok(throws_invalid([&] { load_hamiltonian_model(corrupt); }, corrupt), "a flipped byte: clear error naming the file");
        // A valid zip whose weights were edited: the model checksum catches it.
        NpzArchive archive = read_npz(path);
        archive["family_000_direct"].f64[0] += 1e-6;
        write_npz(corrupt, archive);
        check::ok(throws_invalid([&] { load_hamiltonian_model(corrupt); }, "checksum mismatch"), "edited weights: checksum mismatch");
        NpzArchive foreign;
        foreign["format"] = NpyArray::scalar_string("hamd-hamiltonian-dataset");
        write_npz(corrupt, foreign);
        check::ok(throws_invalid([&] { load_hamiltonian_model(corrupt); }, "not a hamd Hamiltonian model"), "a foreign .npz is rejected");
        archive = read_npz(path);
        archive["format_version"] = NpyArray::scalar_int(99);
        write_npz(corrupt, archive);
        check::ok(throws_invalid([&] { load_hamiltonian_model(corrupt); }, "format_version 99"), "a newer format version is rejected");
        std::remove(corrupt.c_str());
    }
    std::remove(path.c_str());

    // Bad inputs.
    {
        System unknown = fresh;
        unknown.types[2] = 16;  // sulfur
        check::ok(throws_invalid([&] { model.predict_orthogonal(unknown); }, "S, an element the model does not know"),
                  "unknown element: InvalidArgument");
        System close = fresh;
        for (int d = 0; d < 3; ++d) close.positions[3 * 4 + d] = close.positions[d] + (d == 0 ? 0.2 : 0.0);
        check::ok(throws_invalid([&] { model.predict_orthogonal(close); }, "closer than 0.3"), "atoms closer than 0.3 A: InvalidArgument");
        System bad = fresh;
        bad.positions[5] = std::numeric_limits<double>::quiet_NaN();
        check::ok(throws_invalid([&] { model.predict_orthogonal(bad); }, ""), "NaN position: InvalidArgument");
    }

    // Cancellation: a caller that gave up (the daemon sets the flag when the client goes away)
    // stops the prediction at the next stage; a clear flag changes nothing.
    {
        PredictionOptions options;
        options.outputs = {"orbital_energies", "fock"};
        std::atomic<bool> cancel{true}, clear{false};
        bool cancelled = false;
        try {
            predict(model, fresh, options, 0, &cancel);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        check::ok(cancelled, "predict with a set cancel flag throws Cancelled");
        const Prediction a = predict(model, fresh, options, 0, &clear), b = predict(model, fresh, options);
        check::ok(a.orbital_energies == b.orbital_energies && hamtest::max_abs(a.fock - b.fock) == 0.0,
                  "a clear cancel flag gives the same prediction, bitwise");
    }
    return check::finish();
}
