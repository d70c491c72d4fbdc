// expect: sessionlib: squeeze: the dimension is not 1
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<1, 3>>(g);
  auto ok = sl::squeeze<0>(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::squeeze<1>(x);  // report::squeeze_not_one<1, 3>
  (void)bad;
#endif
}
