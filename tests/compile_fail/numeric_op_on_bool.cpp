// expect: sessionlib: this op takes numeric tensors, not bool
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<bool, sl::shape<4>>(g);
  auto ok = sl::reduce_all(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::reduce_sum(x);  // bool: cast first, or use reduce_any/reduce_all
  (void)bad;
#endif
}
