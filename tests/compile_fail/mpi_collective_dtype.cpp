// expect: sessionlib: MPI collectives take float, double, int32 or int64 tensors
// expect-first: sessionlib: MPI collectives take float, double, int32 or int64 tensors
// expect-one-of: [with T = bool] | report_collective_type<bool>
#include <sessionlib/mpi.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<2>>(g, "x");
  auto ok = sl::mpi::allreduce(x);  // the twin: float is reduced
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto b = sl::mpi::allreduce(x > 0.f);  // bool: MPI does not sum it
  (void)b;
#endif
}
