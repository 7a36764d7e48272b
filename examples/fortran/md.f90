! Velocity-Verlet MD of one molecule with forces from hamd (the module `hamd`, clients/fortran).
!
!   hamd_fortran_md [GEOMETRY.xyz [N_STEPS [DT_FS [TRAJECTORY]]]]
!
! Defaults: examples/fortran/ethanol.xyz, 20 steps, 0.5 fs, no trajectory file. Starts at rest;
! prints the step, potential, kinetic and total energy (eV). TRAJECTORY gets, per evaluated
! geometry, "step E" then n lines "Z x y z fx fy fz" (Angstrom, eV/Angstrom, full precision):
! examples/fortran/check.py compares them with the Python session.
program md
  use hamd
  implicit none
  integer, parameter :: dp = kind(1.0d0)
  ! (eV / Angstrom) / amu in Angstrom / fs^2
  real(dp), parameter :: ACCELERATION = 9.6485332123e-3_dp
  type(hamd_client_t) :: client
  type(hamd_session_t) :: session
  character(len=512) :: geometry = 'examples/fortran/ethanol.xyz', trajectory = '', argument
  integer :: n, n_steps = 20, step, i, unit, out = 0
  real(dp) :: dt = 0.5_dp, kinetic
  integer, allocatable :: z(:)
  real(dp), allocatable :: x(:, :), v(:, :), mass(:)
  character(len=2) :: symbol

  if (command_argument_count() >= 1) call get_command_argument(1, geometry)
  if (command_argument_count() >= 2) then
    call get_command_argument(2, argument)
    read (argument, *) n_steps
  end if
  if (command_argument_count() >= 3) then
    call get_command_argument(3, argument)
    read (argument, *) dt
  end if
  if (command_argument_count() >= 4) call get_command_argument(4, trajectory)

  open (newunit=unit, file=trim(geometry), status='old', action='read')
  read (unit, *) n
  read (unit, *)
  allocate(z(n), x(3, n), v(3, n), mass(n))
  do i = 1, n
    read (unit, *) symbol, x(:, i)
    select case (trim(symbol))
    case ('H'); z(i) = 1; mass(i) = 1.008_dp
    case ('C'); z(i) = 6; mass(i) = 12.011_dp
    case ('N'); z(i) = 7; mass(i) = 14.007_dp
    case ('O'); z(i) = 8; mass(i) = 15.999_dp
    case default
      write (0, *) 'md: unknown element ', symbol
      error stop 2
    end select
  end do
  close (unit)
  v = 0
  if (len_trim(trajectory) > 0) open (newunit=out, file=trim(trajectory), status='replace', action='write')

  call hamd_connect(client)                        ! $HAMD_ADDRESS or the per-user socket
  call hamd_session_open(session, client, z)       ! energy and forces, eV and Angstrom
  call hamd_step(session, x)
  call record(0)
  do step = 1, n_steps
    do i = 1, n
      v(:, i) = v(:, i) + 0.5_dp * dt * ACCELERATION * session%forces(:, i) / mass(i)
    end do
    x = x + dt * v
    call hamd_step(session, x)
    do i = 1, n
      v(:, i) = v(:, i) + 0.5_dp * dt * ACCELERATION * session%forces(:, i) / mass(i)
    end do
    call record(step)
  end do
  call hamd_close(session)
  call hamd_disconnect(client)
  if (out /= 0) close (out)

contains

  subroutine record(step)
    integer, intent(in) :: step
    integer :: j
    kinetic = 0
    do j = 1, n
      kinetic = kinetic + 0.5_dp * mass(j) * sum(v(:, j)**2) / ACCELERATION
    end do
    write (*, '(i6, 3f16.8)') step, session%energy, kinetic, session%energy + kinetic
    if (out /= 0) then
      write (out, '(i0, 1x, es25.17)') step, session%energy
      do j = 1, n
        write (out, '(i0, 6(1x, es25.17))') z(j), x(:, j), session%forces(:, j)
      end do
    end if
  end subroutine

end program md
