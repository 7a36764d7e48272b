// hamd as a KIM model driver (KIM API 2.x): energies, forces, per-particle energies and the
// virial of a hamd energy model, computed by the daemon through the C client (clients/c/hamd.h).
//
// A KIM model never sees the host's cell: it gets every particle the host holds, its own atoms
// (contributing) and the periodic images or ghosts around them (not contributing). hamd's energy
// is local (E = sum_i e_i over atom-centred features within the model cutoff), so the particles
// are sent as one non-periodic cluster with the contributing mask: the energy is the sum of the
// contributing atoms' e_i, and forces -dE/dr come for every particle, ghosts included, which the
// host folds back onto the atoms they are images of (LAMMPS does, and computes its virial from
// them). The influence distance is the model cutoff, so the host keeps every neighbour of its
// atoms as a ghost. The session is reopened whenever the particles change (count, species or
// contributing flags: LAMMPS' reneighbouring), and stepped otherwise.
//
// Units: metal (Angstrom, eV), declared at create; `kim init NAME metal` in LAMMPS.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "KIM_LogMacros.hpp"
#include "KIM_ModelDriverHeaders.hpp"
#include "hamd.h"
#include "parameters.hpp"

namespace {

// What one model instance keeps: its parameters, the daemon connection and the session of the
// particles it last saw.
struct Buffer {
    hamd_kim::Parameters parameters;
    hamd_client* client = nullptr;
    hamd_session* session = nullptr;
    double cutoff = 0;                       // influence distance = the hamd model's cutoff
    int will_not_request_ghost_neighbours = 1;
    // The particles the session was opened for.
    std::vector<int> numbers, contributing;
    int outputs = 0;
    ~Buffer() {
        hamd_session_close(session);
        hamd_disconnect(client);
    }
};

std::string with_error(const std::string& what) {
    return what + ": " + hamd_last_error();
}

template <class Logger>
int log_error(Logger* logger, const std::string& message, int line) {
    logger->LogEntry(KIM::LOG_VERBOSITY::error, "hamd: " + message, line, __FILE__);
    return 1;  // KIM: non-zero is an error
}

// Opens (or reopens) the session for these particles and outputs.
int open_session(Buffer& buffer, std::string& error) {
    hamd_session_close(buffer.session);
    buffer.session = nullptr;
    hamd_session_options options;
    hamd_session_options_init(&options);
    options.outputs = buffer.outputs;
    options.model = buffer.parameters.model.empty() ? nullptr : buffer.parameters.model.c_str();
    const int code = hamd_session_open_contributing(buffer.client, static_cast<int>(buffer.numbers.size()),
                                                    buffer.numbers.data(), buffer.contributing.data(), &options,
                                                    &buffer.session);
    if (code != HAMD_OK) error = with_error("opening a hamd session for " + std::to_string(buffer.numbers.size()) + " particles");
    return code;
}

int compute(KIM::ModelCompute const* const model_compute, KIM::ModelComputeArguments const* const arguments) {
    Buffer* buffer = nullptr;
    model_compute->GetModelBufferPointer(reinterpret_cast<void**>(&buffer));
    int const* n_pointer = nullptr;
    int const* species = nullptr;
    int const* contributing = nullptr;
    double const* coordinates = nullptr;
    double* energy = nullptr;
    double* forces = nullptr;
    double* particle_energy = nullptr;
    double* virial = nullptr;
    if (arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::numberOfParticles, &n_pointer) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::particleSpeciesCodes, &species) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::particleContributing, &contributing) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::coordinates, &coordinates) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::partialEnergy, &energy) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::partialForces, &forces) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::partialParticleEnergy, &particle_energy) ||
        arguments->GetArgumentPointer(KIM::COMPUTE_ARGUMENT_NAME::partialVirial, &virial))
        return log_error(model_compute, "cannot get the compute arguments", __LINE__);
    const int n = *n_pointer;
    if (n <= 0) {  // nothing to compute (an empty domain of a parallel run)
        if (energy) *energy = 0;
        if (virial) std::memset(virial, 0, 6 * sizeof(double));
        return 0;
    }

    // Outputs of the session: the virial needs the forces.
    int outputs = HAMD_ENERGY;
    if (forces || virial) outputs |= HAMD_FORCES;
    if (particle_energy) outputs |= HAMD_ENERGIES;
    bool reopen = buffer->session == nullptr || outputs != buffer->outputs || static_cast<size_t>(n) != buffer->numbers.size();
    buffer->numbers.resize(n);
    buffer->contributing.resize(n);
    for (int i = 0; i < n; ++i) {
        const int z = buffer->parameters.atomic_numbers[species[i]];
        const int c = contributing[i] ? 1 : 0;
        reopen = reopen || z != buffer->numbers[i] || c != buffer->contributing[i];
        buffer->numbers[i] = z;
        buffer->contributing[i] = c;
    }
    buffer->outputs = outputs;
    std::string error;
    if (reopen && open_session(*buffer, error) != HAMD_OK) return log_error(model_compute, error, __LINE__);

    int code = hamd_step(buffer->session, coordinates, nullptr);
    if (code == HAMD_DEADLINE_EXCEEDED || code == HAMD_UNAVAILABLE || code == HAMD_CANCELLED) {
        // The daemon ended the session (idle timeout, restart): reopen once.
        if (open_session(*buffer, error) != HAMD_OK) return log_error(model_compute, error, __LINE__);
        code = hamd_step(buffer->session, coordinates, nullptr);
    }
    if (code != HAMD_OK) return log_error(model_compute, with_error("hamd step of " + std::to_string(n) + " particles"), __LINE__);

    std::vector<double> f;
    if (forces || virial) {
        f.resize(3 * static_cast<size_t>(n));
        if (hamd_forces(buffer->session, f.data()) != HAMD_OK) return log_error(model_compute, with_error("forces"), __LINE__);
    }
    if (energy && hamd_energy(buffer->session, energy) != HAMD_OK) return log_error(model_compute, with_error("energy"), __LINE__);
    if (forces) std::memcpy(forces, f.data(), f.size() * sizeof(double));
    if (particle_energy && hamd_energies(buffer->session, particle_energy) != HAMD_OK)
        return log_error(model_compute, with_error("per-particle energies"), __LINE__);
    if (virial) {
        // KIM's virial, Voigt order xx yy zz yz xz xy: -sum_j r_j (x) f_j over every particle (the
        // cluster's energy depends on relative positions only, so this is dE/d(strain)).
        std::memset(virial, 0, 6 * sizeof(double));
        for (int j = 0; j < n; ++j) {
            const double* r = coordinates + 3 * j;
            const double* g = f.data() + 3 * j;
            virial[0] -= r[0] * g[0];
            virial[1] -= r[1] * g[1];
            virial[2] -= r[2] * g[2];
            virial[3] -= r[1] * g[2];
            virial[4] -= r[0] * g[2];
            virial[5] -= r[0] * g[1];
        }
    }
    return 0;
}

int compute_arguments_create(KIM::ModelCompute const* const, KIM::ModelComputeArgumentsCreate* const create) {
    using namespace KIM::COMPUTE_ARGUMENT_NAME;
    const KIM::SupportStatus optional = KIM::SUPPORT_STATUS::optional;
    if (create->SetArgumentSupportStatus(partialEnergy, optional) || create->SetArgumentSupportStatus(partialForces, optional) ||
        create->SetArgumentSupportStatus(partialParticleEnergy, optional) || create->SetArgumentSupportStatus(partialVirial, optional))
        return log_error(create, "cannot declare the compute arguments", __LINE__);
    return 0;
}

int compute_arguments_destroy(KIM::ModelCompute const* const, KIM::ModelComputeArgumentsDestroy* const) { return 0; }

int destroy(KIM::ModelDestroy* const model_destroy) {
    Buffer* buffer = nullptr;
    model_destroy->GetModelBufferPointer(reinterpret_cast<void**>(&buffer));
    delete buffer;
    return 0;
}

}  // namespace

extern "C" int hamd_kim_driver_create(KIM::ModelDriverCreate* const create, KIM::LengthUnit const, KIM::EnergyUnit const,
                                      KIM::ChargeUnit const, KIM::TemperatureUnit const, KIM::TimeUnit const) {
    // Angstrom and eV whatever the host asks: KIM (and LAMMPS' `kim init ... unit_conversion_mode`)
    // converts, or refuses a host in other units.
    if (create->SetUnits(KIM::LENGTH_UNIT::A, KIM::ENERGY_UNIT::eV, KIM::CHARGE_UNIT::unused, KIM::TEMPERATURE_UNIT::unused,
                         KIM::TIME_UNIT::unused) ||
        create->SetModelNumbering(KIM::NUMBERING::zeroBased))
        return log_error(create, "cannot set units and numbering", __LINE__);

    int n_files = 0;
    create->GetNumberOfParameterFiles(&n_files);
    std::string const* directory = nullptr;
    std::string const* basename = nullptr;
    if (n_files == 1) create->GetParameterFileDirectoryName(&directory);
    if (n_files != 1 || !directory || create->GetParameterFileBasename(0, &basename))
        return log_error(create, "a hamd KIM model has exactly one parameter file (" + std::to_string(n_files) + " given)", __LINE__);
    auto buffer = std::make_unique<Buffer>();
    std::string error;
    if (!hamd_kim::read_parameters(*directory + "/" + *basename, buffer->parameters, error))
        return log_error(create, error, __LINE__);
    const hamd_kim::Parameters& p = buffer->parameters;
    for (size_t k = 0; k < p.species.size(); ++k)
        if (create->SetSpeciesCode(KIM::SpeciesName(p.species[k]), static_cast<int>(k)))
            return log_error(create, "KIM does not know the species " + p.species[k], __LINE__);

    // Connect now, and open a session for one atom of each species: an unknown model or element
    // fails here (at `kim init` / `pair_style kim`), and the session says the model's cutoff.
    if (hamd_connect(p.address.empty() ? nullptr : p.address.c_str(), p.autostart ? HAMD_AUTOSTART : 0, &buffer->client) != HAMD_OK)
        return log_error(create, with_error("connecting to the hamd daemon"), __LINE__);
    buffer->numbers = p.atomic_numbers;
    buffer->contributing.assign(p.atomic_numbers.size(), 1);
    buffer->outputs = HAMD_ENERGY;
    if (open_session(*buffer, error) != HAMD_OK ||
        hamd_session_cutoff(buffer->session, &buffer->cutoff) != HAMD_OK || !(buffer->cutoff > 0))
        return log_error(create, error.empty() ? with_error("the model's cutoff") : error, __LINE__);
    hamd_session_close(buffer->session);
    buffer->session = nullptr;
    buffer->numbers.clear();
    buffer->contributing.clear();

    create->SetInfluenceDistancePointer(&buffer->cutoff);
    // One list at the cutoff, never asked: hamd builds its own. LAMMPS still sizes its ghost
    // shell from it (cutoff + skin).
    create->SetNeighborListPointers(1, &buffer->cutoff, &buffer->will_not_request_ghost_neighbours);
    using namespace KIM::MODEL_ROUTINE_NAME;
    const KIM::LanguageName cpp = KIM::LANGUAGE_NAME::cpp;
    if (create->SetRoutinePointer(ComputeArgumentsCreate, cpp, true, reinterpret_cast<KIM::Function*>(compute_arguments_create)) ||
        create->SetRoutinePointer(Compute, cpp, true, reinterpret_cast<KIM::Function*>(compute)) ||
        create->SetRoutinePointer(ComputeArgumentsDestroy, cpp, true, reinterpret_cast<KIM::Function*>(compute_arguments_destroy)) ||
        create->SetRoutinePointer(Destroy, cpp, true, reinterpret_cast<KIM::Function*>(destroy)))
        return log_error(create, "cannot register the model routines", __LINE__);
    // No Refresh: the model publishes no parameters (KIM refuses a Refresh routine without them).
    create->SetModelBufferPointer(buffer.release());
    return 0;
}
