// expect: sessionlib: concat: operands have different ranks
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<2, 3>>(g);
  auto v = sl::placeholder<float, sl::shape<3>>(g);
  (void)v;
  auto ok = sl::concat<0>(a, a);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::concat<0>(a, v);  // report::concat_rank_mismatch<2, 1>
  (void)bad;
#endif
}
