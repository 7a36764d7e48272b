! hamd Fortran client: the module `hamd` over the C API (clients/c/hamd.h) with ISO_C_BINDING.
!
!   use hamd
!   type(hamd_client_t)  :: client
!   type(hamd_session_t) :: session
!   call hamd_connect(client)                             ! default socket, starts a daemon if none
!   call hamd_session_open(session, client, [6, 6, 8, 1, 1, 1, 1, 1, 1])
!   do step = 1, n_steps
!     call hamd_step(session, positions)                  ! positions(3, n), Angstrom
!     ... session%energy (eV), session%forces(3, n) (eV/Angstrom) ...
!   end do
!   call hamd_close(session)
!   call hamd_disconnect(client)
!
! Arrays are in Fortran order: positions(:, i) and forces(:, i) are the x, y, z of atom i, with
! atoms numbered from 1 in the order of atomic_numbers; cell(:, j) is lattice vector j (a, b, c)
! in Angstrom; stress and virial are (3, 3). Units: inputs in Angstrom; results in eV and
! Angstrom, or Hartree and Bohr with units = "hartree". Every procedure takes an optional
! `status`: 0 on success, else the gRPC status code (3 INVALID_ARGUMENT, 14 UNAVAILABLE, ...)
! with hamd_last_error() saying why; without `status` a failure prints the message and stops
! the program (error stop).
module hamd
  use, intrinsic :: iso_c_binding
  implicit none
  private
  public :: hamd_client_t, hamd_session_t, hamd_connect, hamd_disconnect, hamd_session_open, hamd_step, &
            hamd_close, hamd_last_error
  integer, parameter, public :: HAMD_OK = 0, HAMD_INVALID_ARGUMENT = 3, HAMD_NOT_FOUND = 5, &
                                HAMD_RESOURCE_EXHAUSTED = 8, HAMD_FAILED_PRECONDITION = 9, HAMD_UNAVAILABLE = 14
  integer, parameter, public :: HAMD_ENERGY = 1, HAMD_FORCES = 2, HAMD_STRESS = 4, HAMD_ENERGY_UNCERTAINTY = 8

  type :: hamd_client_t
    type(c_ptr) :: handle = c_null_ptr
  end type

  type :: hamd_session_t
    type(c_ptr) :: handle = c_null_ptr
    integer :: n_atoms = 0
    integer :: outputs = 0
    real(c_double) :: energy = 0                   ! HAMD_ENERGY
    real(c_double), allocatable :: forces(:, :)    ! (3, n_atoms), HAMD_FORCES
    real(c_double) :: stress(3, 3) = 0             ! HAMD_STRESS (periodic in 3 directions)
    real(c_double) :: virial(3, 3) = 0             ! -stress * volume, with HAMD_STRESS
    real(c_double) :: uncertainty = 0              ! HAMD_ENERGY_UNCERTAINTY
    real(c_double) :: compute_us = 0               ! daemon time of the last step
  end type

  type, bind(c) :: c_options
    integer(c_int) :: outputs
    type(c_ptr) :: cell, pbc, model, units
    real(c_double) :: skin, timeout_s
  end type

  interface
    integer(c_int) function c_connect(address, flags, client) bind(c, name="hamd_connect")
      import :: c_int, c_ptr, c_char
      character(kind=c_char), intent(in) :: address(*)
      integer(c_int), value :: flags
      type(c_ptr), intent(out) :: client
    end function
    subroutine c_disconnect(client) bind(c, name="hamd_disconnect")
      import :: c_ptr
      type(c_ptr), value :: client
    end subroutine
    subroutine c_options_init(options) bind(c, name="hamd_session_options_init")
      import :: c_options
      type(c_options), intent(out) :: options
    end subroutine
    integer(c_int) function c_session_open(client, n, z, options, session) bind(c, name="hamd_session_open")
      import :: c_int, c_ptr, c_options
      type(c_ptr), value :: client
      integer(c_int), value :: n
      integer(c_int), intent(in) :: z(*)
      type(c_options), intent(in) :: options
      type(c_ptr), intent(out) :: session
    end function
    integer(c_int) function c_step(session, positions, cell) bind(c, name="hamd_step")
      import :: c_int, c_ptr, c_double
      type(c_ptr), value :: session
      real(c_double), intent(in) :: positions(*)
      type(c_ptr), value :: cell
    end function
    integer(c_int) function c_result(session, out) bind(c)
      import :: c_int, c_ptr, c_double
      type(c_ptr), value :: session
      real(c_double), intent(out) :: out(*)
    end function
    real(c_double) function c_compute_us(session) bind(c, name="hamd_compute_us")
      import :: c_ptr, c_double
      type(c_ptr), value :: session
    end function
    integer(c_int) function c_session_close(session) bind(c, name="hamd_session_close")
      import :: c_int, c_ptr
      type(c_ptr), value :: session
    end function
    type(c_ptr) function c_last_error() bind(c, name="hamd_last_error")
      import :: c_ptr
    end function
    integer(c_size_t) function c_strlen(text) bind(c, name="strlen")
      import :: c_size_t, c_ptr
      type(c_ptr), value :: text
    end function
  end interface

  procedure(c_result), bind(c, name="hamd_energy") :: c_energy
  procedure(c_result), bind(c, name="hamd_forces") :: c_forces
  procedure(c_result), bind(c, name="hamd_stress") :: c_stress
  procedure(c_result), bind(c, name="hamd_virial") :: c_virial
  procedure(c_result), bind(c, name="hamd_energy_uncertainty") :: c_uncertainty

contains

  !> The message of the last failure of this thread ("" when none).
  function hamd_last_error() result(message)
    character(len=:), allocatable :: message
    type(c_ptr) :: text
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    text = c_last_error()
    n = int(c_strlen(text))
    call c_f_pointer(text, chars, [n])
    allocate(character(len=n) :: message)
    do i = 1, n
      message(i:i) = chars(i)
    end do
  end function

  subroutine finish(code, what, status)
    integer(c_int), intent(in) :: code
    character(len=*), intent(in) :: what
    integer, intent(out), optional :: status
    if (present(status)) then
      status = int(code)
    else if (code /= 0) then
      write (0, '(a, i0, 2a)') 'hamd: ' // what // ' failed with status ', code, ': ', hamd_last_error()
      error stop 1
    end if
  end subroutine

  !> Connects to the daemon at `address` ("unix:/path", "/path" or "host:port"; absent or "": the
  !> default per-user socket, $HAMD_ADDRESS first). autostart (default .true.): start `hamd serve`
  !> on the Unix socket when nothing answers there.
  subroutine hamd_connect(client, address, autostart, status)
    type(hamd_client_t), intent(out) :: client
    character(len=*), intent(in), optional :: address
    logical, intent(in), optional :: autostart
    integer, intent(out), optional :: status
    integer(c_int) :: flags
    flags = 1
    if (present(autostart)) then
      if (.not. autostart) flags = 0
    end if
    if (present(address)) then
      call finish(c_connect(trim(address) // c_null_char, flags, client%handle), 'hamd_connect', status)
    else
      call finish(c_connect(c_null_char, flags, client%handle), 'hamd_connect', status)
    end if
  end subroutine

  subroutine hamd_disconnect(client)
    type(hamd_client_t), intent(inout) :: client
    call c_disconnect(client%handle)
    client%handle = c_null_ptr
  end subroutine

  !> Opens a session for atoms of these atomic numbers (atom i of every step is atomic_numbers(i)).
  !> outputs: a sum of HAMD_ENERGY, HAMD_FORCES, HAMD_STRESS, HAMD_ENERGY_UNCERTAINTY (default:
  !> energy and forces); cell(3, 3): cell(:, j) is lattice vector j, Angstrom; pbc(3); model: the
  !> energy model's registry name; units: "ev" (default) or "hartree"; skin: Verlet skin, Angstrom.
  subroutine hamd_session_open(session, client, atomic_numbers, outputs, cell, pbc, model, units, skin, status)
    type(hamd_session_t), intent(inout) :: session
    type(hamd_client_t), intent(in) :: client
    integer, intent(in) :: atomic_numbers(:)
    integer, intent(in), optional :: outputs
    real(c_double), intent(in), optional, target :: cell(3, 3)
    logical, intent(in), optional :: pbc(3)
    character(len=*), intent(in), optional :: model, units
    real(c_double), intent(in), optional :: skin
    integer, intent(out), optional :: status
    type(c_options) :: options
    integer(c_int), target :: z(size(atomic_numbers)), c_pbc(3)
    character(kind=c_char, len=:), allocatable, target :: c_model, c_units
    call c_options_init(options)
    if (present(outputs)) options%outputs = int(outputs, c_int)
    if (present(cell)) options%cell = c_loc(cell)
    if (present(pbc)) then
      c_pbc = merge(1_c_int, 0_c_int, pbc)
      options%pbc = c_loc(c_pbc)
    end if
    if (present(model)) then
      c_model = trim(model) // c_null_char
      options%model = c_loc(c_model)
    end if
    if (present(units)) then
      c_units = trim(units) // c_null_char
      options%units = c_loc(c_units)
    end if
    if (present(skin)) options%skin = skin
    z = int(atomic_numbers, c_int)
    session%n_atoms = size(atomic_numbers)
    session%outputs = options%outputs
    if (allocated(session%forces)) deallocate(session%forces)
    allocate(session%forces(3, session%n_atoms))
    session%forces = 0
    call finish(c_session_open(client%handle, int(session%n_atoms, c_int), z, options, session%handle), &
                'hamd_session_open', status)
  end subroutine

  !> One MD step: positions(3, n_atoms) in Angstrom, optionally a new cell(3, 3). Sets the
  !> session's energy, forces, stress, virial and uncertainty (those of its outputs). A step the
  !> model cannot evaluate (NaN, overlapping atoms) fails with its status; the session stays open.
  subroutine hamd_step(session, positions, cell, status)
    type(hamd_session_t), intent(inout) :: session
    real(c_double), intent(in) :: positions(:, :)
    real(c_double), intent(in), optional, target :: cell(3, 3)
    integer, intent(out), optional :: status
    integer(c_int) :: code
    real(c_double) :: scalar(1)
    if (size(positions, 1) /= 3 .or. size(positions, 2) /= session%n_atoms) then
      call finish(int(HAMD_INVALID_ARGUMENT, c_int), 'hamd_step (positions must be (3, n_atoms))', status)
      return
    end if
    if (present(cell)) then
      code = c_step(session%handle, positions, c_loc(cell))
    else
      code = c_step(session%handle, positions, c_null_ptr)
    end if
    if (code == 0 .and. iand(session%outputs, HAMD_ENERGY) /= 0) then
      code = c_energy(session%handle, scalar)
      session%energy = scalar(1)
    end if
    if (code == 0 .and. iand(session%outputs, HAMD_FORCES) /= 0) code = c_forces(session%handle, session%forces)
    if (code == 0 .and. iand(session%outputs, HAMD_STRESS) /= 0) code = c_stress(session%handle, session%stress)
    if (code == 0 .and. iand(session%outputs, HAMD_STRESS) /= 0) code = c_virial(session%handle, session%virial)
    if (code == 0 .and. iand(session%outputs, HAMD_ENERGY_UNCERTAINTY) /= 0) then
      code = c_uncertainty(session%handle, scalar)
      session%uncertainty = scalar(1)
    end if
    session%compute_us = c_compute_us(session%handle)
    call finish(code, 'hamd_step', status)
  end subroutine

  !> Ends the session and frees it.
  subroutine hamd_close(session, status)
    type(hamd_session_t), intent(inout) :: session
    integer, intent(out), optional :: status
    integer(c_int) :: code
    code = c_session_close(session%handle)
    session%handle = c_null_ptr
    call finish(code, 'hamd_close', status)
  end subroutine

end module hamd
