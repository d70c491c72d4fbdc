// expect: sessionlib: slice: begin and size need one entry per axis
// expect-one-of: always_false_dims<2, 1, 1> | slice_rank_mismatch<2, 1, 1>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<4, 5>>(g, "x");
  auto ok = sl::slice<sl::offsets<0, 1>, sl::sizes<2, -1>>(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::slice<sl::offsets<0>, sl::sizes<2>>(x);  // report::slice_rank_mismatch<2, 1, 1>: one entry per axis
  (void)bad;
#endif
}
