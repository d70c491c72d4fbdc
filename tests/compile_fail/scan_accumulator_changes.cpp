// expect: sessionlib: scan: fn changes the accumulator's type
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto xs = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "xs");
  auto ok = sl::scan([](auto acc, auto x) { return acc + x; }, xs, sl::constant(g, {0.f, 0.f, 0.f}));
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::scan([](auto acc, auto x) { return acc + x; }, xs, sl::constant(g, 0.f));  // a scalar becomes shape<3>
  (void)bad;
#endif
}
