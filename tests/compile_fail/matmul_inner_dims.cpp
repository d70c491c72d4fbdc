// expect: sessionlib: matmul: inner dimensions differ
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  auto w = sl::placeholder<float, sl::shape<784, 10>>(g, "w");
  auto ok = sl::matmul(x, w);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::matmul(w, w);  // report::matmul_mismatch<10, 784>
  (void)bad;
#endif
}
