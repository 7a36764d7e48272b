// The linear energy model (core/models/energy): forces are minus the finite-difference gradient
// of its energy, the stress is the finite-difference strain derivative over the volume, energy
// invariant and forces equivariant under rotation, exact recovery of a target the model can
// represent, the Bayesian uncertainty grows far from the training data, bad input refused.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include <unistd.h>

#include "core/base/errors.hpp"
#include "core/models/energy/energy_model.hpp"
#include "core/models/energy/energy_model_file.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/io/json.hpp"
#include "core/training/energy_training.hpp"
#include "native/check.hpp"
#include "native/energy_fixtures.hpp"
#include "native/wigner.hpp"

using namespace hamd;
using namespace hamd_test;

namespace {

EnergyFeatureSettings small_settings() {
    EnergyFeatureSettings settings;
    settings.hypers.cutoff = 3.5;
    settings.hypers.max_radial = 3;
    settings.hypers.max_angular = 3;
    settings.species = {1, 8};
    return settings;
}

// Bound on the rounding of one energy: it sums ~W products and, before, the features sum over
// neighbours and over the spherical expansion; 1e4 eps times the sum of |terms| covers both.
double energy_rounding(const EnergyModel& model, const System& s, ThreadPool& pool) {
    const EnergyDesign d = model.design({s}, false, false, pool);
    return 1e4 * std::numeric_limits<double>::epsilon() * d.energy.row(0).cwiseAbs().dot(model.weights().cwiseAbs());
}

}  // namespace

int main() {
    ThreadPool pool(2);
    std::mt19937 rng(17);

    // Training data from the pair potential; validation apart.
    EnergyTrainingSet train, validation;
    for (int k = 0; k < 60; ++k) {
        EnergyTrainingSet& set = k < 45 ? train : validation;
        System s = distorted_water(rng, 0.12);
        std::vector<double> f;
        set.energies.push_back(pair_energy(s, &f));
        set.forces.push_back(f);
        set.systems.push_back(std::move(s));
    }
    EnergyModel model(small_settings());
    EnergyFitSettings fit;
    fit.ridge = 1e-6;
    const EnergyFitReport report = fit_energy_model(model, train, fit, pool);
    calibrate_uncertainty(model, validation, pool);
    check::ok(report.rows == 45 + 45 * 9 && !model.covariance.empty() && model.covariance.basis.rows() == static_cast<Eigen::Index>(model.n_weights()),
              "fit: one energy row and 3n force rows per structure; covariance of every weight",
              std::to_string(report.rows) + " rows");
    double force_scale = 0;
    for (const auto& f : train.forces)
        for (double x : f) force_scale = std::max(force_scale, std::fabs(x));
    std::printf("# fit: training energy MAE %.3g eV, force MAE %.3g eV/A (largest force %.3g)\n", report.train_energy_mae, report.train_force_mae, force_scale);
    check::ok(report.train_force_mae < 0.1 * force_scale, "fit: training forces reproduced to 10 % of their largest component",
              "MAE " + std::to_string(report.train_force_mae) + " eV/A of " + std::to_string(force_scale));

    // Forces = -dE/dr by central differences (step h; error: rounding / h + h^2 E''' / 6).
    {
        const System s = distorted_water(rng, 0.1);
        const EnergyPrediction p = model.predict(s, true, false, pool);
        const double h = 1e-4, rounding = energy_rounding(model, s, pool);
        double worst = 0;
        for (size_t c = 0; c < 3 * s.size(); ++c) {
            System plus = s, minus = s;
            plus.positions[c] += h;
            minus.positions[c] -= h;
            const double numeric = -(model.predict(plus, false, false, pool).energy - model.predict(minus, false, false, pool).energy) / (2 * h);
            const double bound = 1e-6 * (std::fabs(numeric) + 1) + rounding / h;
            worst = std::max(worst, std::fabs(p.forces[c] - numeric) / bound);
        }
        std::printf("# forces vs finite differences: worst error / bound %.3g (rounding bound %.3g eV)\n", worst, rounding);
        check::ok(worst < 1, "forces are minus the finite-difference gradient of the energy", "worst error / bound " + std::to_string(worst));
        double sum = 0;
        for (double e : p.energies) sum += e;
        check::ok(std::fabs(sum - p.energy) <= 1e-12 * (1 + std::fabs(p.energy)), "per-atom energies sum to the energy");
        double net[3] = {0, 0, 0};
        for (size_t a = 0; a < s.size(); ++a)
            for (int x = 0; x < 3; ++x) net[x] += p.forces[3 * a + x];
        check::ok(std::fabs(net[0]) + std::fabs(net[1]) + std::fabs(net[2]) < 1e-9 * (1 + force_scale), "forces sum to zero (translation invariance)");
    }

    // Rotation: energy invariant, forces rotate with the molecule.
    {
        const System s = distorted_water(rng, 0.1);
        double R[9];
        wigner::random_rotation(rng, R);
        System turned = s;
        for (size_t a = 0; a < s.size(); ++a) wigner::rotate(R, &s.positions[3 * a], &turned.positions[3 * a]);
        const EnergyPrediction p = model.predict(s, true, false, pool), q = model.predict(turned, true, false, pool);
        double worst = 0;
        for (size_t a = 0; a < s.size(); ++a) {
            double rotated[3];
            wigner::rotate(R, &p.forces[3 * a], rotated);
            for (int x = 0; x < 3; ++x) worst = std::max(worst, std::fabs(rotated[x] - q.forces[3 * a + x]));
        }
        check::ok(std::fabs(p.energy - q.energy) < 1e-10 * (1 + std::fabs(p.energy)), "energy invariant under rotation");
        check::ok(worst < 1e-9 * (1 + force_scale), "forces rotate with the molecule", std::to_string(worst));
        System swapped = s;  // the two hydrogens exchanged
        for (int x = 0; x < 3; ++x) std::swap(swapped.positions[3 + x], swapped.positions[6 + x]);
        check::ok(std::fabs(model.predict(swapped, false, false, pool).energy - p.energy) < 1e-10 * (1 + std::fabs(p.energy)),
                  "energy invariant under permutation of same-species atoms");
    }

    // Stress: (1/V) dE/d(strain), positions scaled with the cell, against central differences.
    {
        System cell = distorted_water(rng, 0.05);
        cell.cell = {3.4, 0.0, 0.0, 0.4, 3.3, 0.0, -0.3, 0.2, 3.5};  // images within the cutoff
        cell.pbc = {true, true, true};
        const EnergyPrediction p = model.predict(cell, true, true, pool);
        const double volume = 3.4 * 3.3 * 3.5;
        const double h = 1e-5, rounding = energy_rounding(model, cell, pool);
        double worst = 0;
        for (int c = 0; c < 3; ++c)
            for (int b = 0; b < 3; ++b) {
                auto strained = [&](double e) {
                    System t = cell;
                    for (int k = 0; k < 3; ++k) {  // rows (lattice vectors) and positions: x -> x (1 + e E_cb)
                        t.cell[3 * k + b] += e * cell.cell[3 * k + c];
                    }
                    for (size_t a = 0; a < cell.size(); ++a) t.positions[3 * a + b] += e * cell.positions[3 * a + c];
                    return model.predict(t, false, false, pool).energy;
                };
                const double numeric = (strained(h) - strained(-h)) / (2 * h) / volume;
                const double bound = 1e-6 * (std::fabs(numeric) + 1e-3) + rounding / h / volume;
                worst = std::max(worst, std::fabs(p.stress[3 * c + b] - numeric) / bound);
            }
        std::printf("# stress vs finite differences: worst error / bound %.3g; stress xx %.3g eV/A^3\n", worst, p.stress[0]);
        check::ok(p.has_stress && worst < 1, "stress is the finite-difference strain derivative over the volume",
                  "worst error / bound " + std::to_string(worst));
    }

    // Uncertainty: calibrated on validation; much larger for a broken bond than for training-like water.
    {
        double typical = 0;
        for (int k = 0; k < 10; ++k) typical += model.predict(distorted_water(rng, 0.1), false, false, pool).energy_uncertainty / 10;
        System stretched = distorted_water(rng, 0.0);
        for (int x = 0; x < 3; ++x) stretched.positions[3 + x] *= 2.0;  // one O-H bond twice as long
        const double far = model.predict(stretched, false, false, pool).energy_uncertainty;
        std::printf("# uncertainty: typical %.3g eV, stretched bond %.3g eV (alpha %.3g)\n", typical, far, model.uncertainty_scale);
        check::ok(typical > 0 && far > 3 * typical, "the energy uncertainty grows far outside the training data",
                  "stretched " + std::to_string(far) + " eV vs typical " + std::to_string(typical) + " eV");
    }

    // A target the model can represent exactly (its own features, random weights) is recovered.
    {
        EnergyModel truth(small_settings());
        std::normal_distribution<double> normal;
        Eigen::VectorXd weights(static_cast<Eigen::Index>(truth.n_weights()));
        for (Eigen::Index k = 0; k < weights.size(); ++k) weights[k] = 1e-2 * normal(rng);
        truth.set_weights(weights);
        EnergyTrainingSet exact;
        for (int k = 0; k < 80; ++k) {
            System s = distorted_water(rng, 0.15);
            const EnergyPrediction p = truth.predict(s, true, false, pool);
            exact.energies.push_back(p.energy);
            exact.forces.push_back(p.forces);
            exact.systems.push_back(std::move(s));
        }
        EnergyModel learned(small_settings());
        EnergyFitSettings tiny;
        tiny.ridge = 1e-12;
        fit_energy_model(learned, exact, tiny, pool);
        const System fresh = distorted_water(rng, 0.12);
        const EnergyPrediction want = truth.predict(fresh, true, false, pool), got = learned.predict(fresh, true, false, pool);
        double worst = 0;
        for (size_t c = 0; c < got.forces.size(); ++c) worst = std::max(worst, std::fabs(got.forces[c] - want.forces[c]));
        check::ok(std::fabs(got.energy - want.energy) < 1e-5 * (1 + std::fabs(want.energy)) && worst < 1e-4,
                  "a target in the model's span is recovered on a new structure (energy and forces)",
                  "energy error " + std::to_string(got.energy - want.energy) + ", force error " + std::to_string(worst));
    }

    // Model file: a saved model predicts identically; typed self-description; corrupt and
    // foreign files refused by name.
    {
        const std::string path = "/tmp/hamd-test-energy-" + std::to_string(::getpid()) + ".npz";
        save_energy_model(model, "{\"validation\": {\"energy_mae_ev\": 0.001}}", path);
        const LoadedEnergyModel loaded = load_energy_model(path);
        const System s = distorted_water(rng, 0.1);
        const EnergyPrediction p = model.predict(s, true, false, pool), q = loaded.model->predict(s, true, false, pool);
        check::ok(p.energy == q.energy && p.forces == q.forces && p.energy_uncertainty == q.energy_uncertainty,
                  "a saved and loaded energy model predicts identically (energy, forces, uncertainty)");
        const ModelMetadata m = describe_energy_model(loaded);
        check::ok(m.kind == "energy" && m.species == std::vector<int32_t>{1, 8} && m.cutoff == 3.5 && m.energy_unit == "ev" &&
                      m.outputs == energy_outputs() && m.validation.size() == 1 && m.checksum.rfind("crc32:", 0) == 0,
                  "describe_energy_model: kind, species, cutoff, units, outputs, validation, checksum");
        check::ok(model_file_format(path) == kEnergyModelFormat, "model_file_format tells the kind of a model file");
        auto refused = [&](const std::string& file, const std::string& part) {
            try {
                load_energy_model(file);
            } catch (const InvalidArgument& e) {
                return std::string(e.what()).find(part) != std::string::npos;
            }
            return false;
        };
        NpzArchive archive = read_npz(path);
        archive["weights"].f64[3] += 1e-9;
        write_npz(path + ".edited.npz", archive);
        check::ok(refused(path + ".edited.npz", "checksum mismatch"), "edited weights: checksum mismatch");
        NpzArchive hamiltonian;
        hamiltonian["format"] = NpyArray::scalar_string(kModelFormat);
        write_npz(path + ".other.npz", hamiltonian);
        check::ok(refused(path + ".other.npz", "not a hamd energy model") && refused(path + ".other.npz", "it is a 'hamd-hamiltonian-model' file"),
                  "a Hamiltonian model file is not an energy model (the message says what it is)");
        std::remove(path.c_str());
        std::remove((path + ".edited.npz").c_str());
        std::remove((path + ".other.npz").c_str());
    }

    // The training run: an energy dataset file in, a model file and a report out.
    {
        const std::string data_path = "/tmp/hamd-test-energy-data-" + std::to_string(::getpid()) + ".npz";
        NpzArchive d;
        std::vector<int64_t> offsets{0}, species, molecule;
        std::vector<double> positions, forces, energies, cells, pbc_flags;
        std::vector<int64_t> pbc;
        for (int k = 0; k < 40; ++k) {
            const System s = distorted_water(rng, 0.12);
            std::vector<double> f;
            energies.push_back(pair_energy(s, &f));
            species.insert(species.end(), s.types.begin(), s.types.end());
            positions.insert(positions.end(), s.positions.begin(), s.positions.end());
            forces.insert(forces.end(), f.begin(), f.end());
            offsets.push_back(static_cast<int64_t>(species.size()));
            cells.insert(cells.end(), 9, 0.0);
            pbc.insert(pbc.end(), 3, 0);
            molecule.push_back(0);
        }
        const size_t S = energies.size(), A = species.size();
        d["format"] = NpyArray::scalar_string("hamd-energy-dataset");
        d["format_version"] = NpyArray::scalar_int(1);
        d["provenance"] = NpyArray::scalar_string("{\"source\": \"test pair potential\"}");
        d["atom_offsets"] = NpyArray::int64(offsets, {S + 1});
        d["species"] = NpyArray::int64(species, {A});
        d["positions"] = NpyArray::float64(positions, {A, 3});
        d["forces"] = NpyArray::float64(forces, {A, 3});
        d["energy"] = NpyArray::float64(energies, {S});
        d["cell"] = NpyArray::float64(cells, {S, 3, 3});
        d["pbc"] = NpyArray::boolean(pbc, {S, 3});
        d["structure_molecule"] = NpyArray::int64(molecule, {S});
        write_npz(data_path, d);

        EnergyTrainingConfig config = default_energy_training_config();
        config.data_path = data_path;
        config.output_path = data_path + ".model.npz";
        config.hypers = small_settings().hypers;
        config.seed = 5;
        config.ridges = {1e-8, 1e-6};
        config.test_fraction = 0.1;  // 4 test, 8 validation, 28 training structures
        config.uncertainty_priors = {1e-12};  // too weak a prior for this budget: larger ones are tried
        config.covariance_max_bytes = 32000;
        int progress_calls = 0;
        const std::string report = run_energy_training(config, pool, [&](const EnergyTrainingProgress&) { ++progress_calls; });
        const JsonValue r = parse_json(report, "report");
        const JsonValue* v = r.find("metadata")->find("validation")->find("validation");
        const double force_mae = v->find("force_mae_ev_per_angstrom")->number;
        check::ok(force_mae < 0.1 * force_scale && v->find("energy_mae_ev")->number < 0.05,
                  "training run: validation forces within 10 % of the largest, energies within 0.05 eV",
                  "force MAE " + std::to_string(force_mae) + ", energy MAE " + std::to_string(v->find("energy_mae_ev")->number));
        check::ok(r.find("scan")->array.size() == config.force_sigmas.size() * config.ridges.size() && progress_calls > 0 &&
                      r.find("parity")->find("reference_ev")->array.size() == 8,
                  "training run: force weight and ridge scanned on validation, progress reported, parity points of the 8 validation structures");
        const JsonValue* tested = r.find("metadata")->find("validation")->find("test");
        check::ok(tested && tested->find("force_mae_ev_per_angstrom")->number < 0.2 * force_scale &&
                      r.find("metadata")->find("training")->find("test_structures")->number == 4 &&
                      r.find("metadata")->find("training")->find("structures")->number == 28,
                  "training run: the test structures are held out of training and validation, and reported");
        const JsonValue* hp = r.find("metadata")->find("hyper_parameters");
        const double vectors = hp->find("covariance_vectors")->number;
        check::ok(hp->find("uncertainty_prior")->number > 1e-12 && vectors > 0 && vectors * 4 * static_cast<double>(EnergyModel(small_settings()).n_weights()) <= 32000,
                  "training run: the uncertainty prior grows until the covariance fits its byte budget",
                  std::to_string(vectors) + " vectors, prior " + std::to_string(hp->find("uncertainty_prior")->number));
        const LoadedEnergyModel written = load_energy_model(config.output_path);
        check::ok(describe_energy_model(written).validation.size() > 4 && !written.model->covariance.empty(),
                  "training run: the model file loads, with its validation metrics and covariance");
        NpzArchive wrong = d;
        wrong["forces"] = NpyArray::float64(std::vector<double>(3, 0.0), {1, 3});
        write_npz(data_path, wrong);
        bool refused = false;
        try {
            run_energy_training(config, pool);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("inconsistent array sizes") != std::string::npos;
        }
        check::ok(refused, "training run: an inconsistent dataset is InvalidArgument naming the file");
        std::remove(data_path.c_str());
        std::remove(config.output_path.c_str());
    }

    // Bad input.
    {
        System carbon = distorted_water(rng, 0.0);
        carbon.types[0] = 6;
        bool refused = false;
        try {
            model.predict(carbon, true, false, pool);
        } catch (const InvalidArgument& e) {
            refused = std::string(e.what()).find("C, an element the model does not know") != std::string::npos;
        }
        check::ok(refused, "an element the model does not know is InvalidArgument naming it");
        refused = false;
        try {
            model.predict(System{}, false, false, pool);
        } catch (const InvalidArgument&) {
            refused = true;
        }
        check::ok(refused, "a structure without atoms is InvalidArgument");
    }
    return check::finish();
}
