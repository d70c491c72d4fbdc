// expect: sessionlib: fetch: this leaf type is not fetchable
// expect-one-of: Leaf = double | not_fetchable<double>
#include <map>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
template <class A, class B> struct Pair { A a; B b; };
template <class A, class B> Pair(A, B) -> Pair<A, B>;
int main() {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f);
  sl::Session sess(g);
  std::map<int, std::vector<Pair<sl::Tensor<float, sl::shape<>>, sl::Tensor<float, sl::shape<>>>>> good{{1, {Pair{a, a}}}};
  (void)sess.run(good);
#if SESSIONLIB_CF_FAIL
  // The diagnostic names the offending leaf deep inside the structure.
  std::map<int, std::vector<Pair<sl::Tensor<float, sl::shape<>>, double>>> bad{{1, {Pair{a, 2.0}}}};
  (void)sess.run(bad);
#endif
}
