// expect: sessionlib: while_loop: the body changes a loop variable's type
// expect-one-of: Position = 1 | while_body_changes<1
// expect-one-of: shape<1, 100> | shape<1L, 100L>
// expect-one-of: shape<2, 100> | shape<2L, 100L>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto i0 = sl::constant(g, 0);
  auto x0 = sl::placeholder<float, sl::shape<1, 100>>(g, "x0");
  auto loose = sl::placeholder_with_default<sl::shape<sl::dyn, 100>>(x0);  // the invariant: dim 0 may vary
  auto ok = sl::while_loop([](auto i, auto) { return i < 3; },
                           [](auto i, auto x) { return std::tuple{i + 1, sl::concat<0>(x, x)}; }, std::tuple{i0, loose});
  (void)ok;
#if SESSIONLIB_CF_FAIL
  // TF: "The shape for while/Merge_1:0 is not an invariant for the loop. It enters the loop with shape (1, 100),
  // but has shape (2, 100) after one iteration."
  auto bad = sl::while_loop([](auto i, auto) { return i < 3; },
                            [](auto i, auto x) { return std::tuple{i + 1, sl::concat<0>(x, x)}; }, std::tuple{i0, x0});
  (void)bad;
#endif
}
