// expect: sessionlib: matmul: batch dimensions do not broadcast
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<2, 3, 4>>(g);
  auto b = sl::placeholder<float, sl::shape<3, 4, 5>>(g);
  (void)b;
  auto c = sl::placeholder<float, sl::shape<1, 4, 5>>(g);
  auto ok = sl::matmul(a, c);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::matmul(a, b);  // report::matmul_batch_mismatch<2, 3>
  (void)bad;
#endif
}
