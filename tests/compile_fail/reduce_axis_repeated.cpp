// expect: sessionlib: reduce: an axis is listed twice
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g);
  auto ok = sl::reduce_max<0, -1>(x, sl::keepdims);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::reduce_max<1, -1>(x);  // -1 is axis 1 again
  (void)bad;
#endif
}
