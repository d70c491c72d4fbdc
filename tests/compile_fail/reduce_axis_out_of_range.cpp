// expect: sessionlib: reduce: axis out of range
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g);
  auto ok = sl::reduce_sum<-2>(x);  // axes [-2, 2) of a rank-2 tensor
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::reduce_sum<2>(x);  // rank 2 has no axis 2
  (void)bad;
#endif
}
