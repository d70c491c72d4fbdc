// expect: sessionlib: concat: dimensions off the concat axis differ
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<2, 3>>(g);
  auto b = sl::placeholder<float, sl::shape<2, 4>>(g);
  auto ok = sl::concat<1>(a, b);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::concat<0>(a, b);  // report::concat_mismatch<3, 4>
  (void)bad;
#endif
}
