// expect: sessionlib: this op takes bool tensors only
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<bool, sl::shape<sl::dyn, 3>>(g);
  auto f = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g);
  auto ok = sl::reduce_any<1>(x);
  (void)ok;
  (void)f;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::reduce_any<1>(f);  // float: use reduce_max
  (void)bad;
#endif
}
