// sessionlib's opt-in MPI part: the Session target "mpi" (the MPI engine,
// mpi/engine.hpp), sl::mpi::rank() and size(), the collectives allreduce,
// allgather and broadcast as differentiable graph ops (mpi/ops.hpp), and
// broadcast_global_variables (mpi/variables.hpp), DistributedOptimizer
// (mpi/optimizer.hpp). Programs run under mpirun
// (`mpirun -np 2 ./train`), every rank building the same graph (Horovod's
// scheme: each rank feeds its own shard, gradients are averaged by allreduce).
// Outside the umbrella header because it needs MPI (<mpi.h>, Open MPI on
// Debian: libopenmpi-dev): Meson's `sessionlib-mpi` dependency, pkg-config's
// sessionlib-mpi, CMake's `COMPONENTS mpi` (sessionlib::mpi). Including it
// registers the engine; MPI is initialised on first use and finalised at exit.
#pragma once

#include "sessionlib.hpp"
#include "mpi/runtime.hpp"
#include "mpi/engine.hpp"
#include "mpi/ops.hpp"
#include "mpi/variables.hpp"
#include "mpi/optimizer.hpp"
