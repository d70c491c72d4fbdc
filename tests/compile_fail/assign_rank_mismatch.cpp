// expect: sessionlib: assign: the value's rank differs from the variable's
// expect-one-of: always_false_dims<1, 2> | assign_rank_mismatch<1, 2>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::Variable<float, sl::shape<3>> v(g, 0.0f, "v");
  auto ok = sl::placeholder<float, sl::shape<3>>(g, "ok");
  (void)v.assign(ok);
#if SESSIONLIB_CF_FAIL
  auto bad = sl::placeholder<float, sl::shape<1, 3>>(g, "bad");
  (void)v.assign(bad);  // report::assign_rank_mismatch<1, 2>: reshape the value to the variable's rank
#endif
}
