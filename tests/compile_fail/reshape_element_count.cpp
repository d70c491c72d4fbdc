// expect: sessionlib: reshape: element counts differ
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto m = sl::placeholder<float, sl::shape<4, 6>>(g);
  auto ok = sl::reshape<sl::shape<2, 12>>(m);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::reshape<sl::shape<5, 5>>(m);  // 24 vs 25 elements
  (void)bad;
#endif
}
