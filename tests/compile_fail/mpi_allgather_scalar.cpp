// expect: sessionlib: allgather needs a tensor of rank 1 or more
// expect-first: sessionlib: allgather needs a tensor of rank 1 or more
// expect-one-of: [with S = sessionlib::shape<>] | report_allgather_scalar<sessionlib::shape<>>
#include <sessionlib/mpi.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto v = sl::placeholder<float, sl::shape<2>>(g, "v");
  auto all = sl::mpi::allgather(v);  // the twin: a vector is stacked along dimension 0
  (void)all;
#if SESSIONLIB_CF_FAIL
  auto s = sl::mpi::allgather(sl::reduce_sum(v));  // a scalar has no dimension to gather along
  (void)s;
#endif
}
