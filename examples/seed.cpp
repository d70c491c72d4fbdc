// The seed examples: what a TensorFlow 1.x user writes first, in sessionlib.
//
//   a = tf.constant(5.0); b = tf.constant(6.0); c = a * b
//   sess.run(c)                                  # 30.0
//   sess.run(a), sess.run((a, b)), sess.run({'k1': MyData(a, b), 'k2': (b, a)})
//
// Each fetch structure comes back in the same structure, with arrays in place
// of tensors. The example prints the results as TF (numpy) prints them, checks
// every value, and exits non-zero on a mismatch.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>

#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;

// The namedtuple of C++: fetching MyData{a, b} returns MyData<result of a, result of b>.
template <class A, class B>
struct MyData {
  A a;
  B b;
};
template <class A, class B> MyData(A, B) -> MyData<A, B>;  // clang 14 lacks aggregate CTAD

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "MISMATCH: " << what << "\n";
    ++failures;
  }
}

// numpy's repr of one element: floats print "1." when integral, ints plainly.
std::string element(float v) {
  if (std::floor(v) == v && std::fabs(v) < 1e16f) return std::to_string(static_cast<long long>(v)) + ".";
  std::ostringstream s;
  s << v;
  return s.str();
}
std::string element(int v) { return std::to_string(v); }
// numpy's print of a float scalar: "30.0".
std::string scalar(float v) {
  const std::string e = element(v);
  return e.back() == '.' ? e + "0" : e;
}

std::string dtype_suffix(float) { return "float32"; }
std::string dtype_suffix(int) { return "int32"; }

// numpy's repr of a 1-D array: "array([10, 20], dtype=int32)".
template <class T>
std::string repr(const xt::xtensor<T, 1>& x) {
  std::string s = "array([";
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i) s += ", ";
    s += element(x(i));
  }
  return s + "], dtype=" + dtype_suffix(T{}) + ")";
}
// numpy's print of a 1-D array: "[10 20]", "[1. 2.]".
template <class T>
std::string str(const xt::xtensor<T, 1>& x) {
  std::string s = "[";
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i) s += ' ';
    s += element(x(i));
  }
  return s + "]";
}
template <class A, class B>
std::string repr(const std::tuple<A, B>& t) {
  std::string s = "(";  // appends, not "(" + repr(...): g++ 12 warns falsely (-Wrestrict) on that at -O3
  s += repr(std::get<0>(t));
  s += ", ";
  s += repr(std::get<1>(t));
  return s + ")";
}
template <class A, class B>
std::string repr(const MyData<A, B>& d) {
  std::string s = "MyData(a=";
  s += repr(d.a);
  s += ", b=";
  s += repr(d.b);
  return s + ")";
}

template <class T>
bool equal(const xt::xtensor<T, 1>& x, std::initializer_list<T> want) {
  return x.size() == want.size() && std::equal(x.begin(), x.end(), want.begin());
}

}  // namespace

int main() {
  // c = a * b
  {
    sl::Graph g;
    auto a = sl::constant(g, 5.0f);
    auto b = sl::constant(g, 6.0f);
    auto c = a * b;  // sl::Tensor<float, sl::shape<>>
    sl::Session sess(g);
    const float v = sess.run(c);
    std::cout << ">>> sess.run(c)\n" << scalar(v) << "\n";
    expect(v == 30.0f, "a * b should be 30");
  }

  // One tensor, a tuple, and a dict of namedtuples and tuples.
  sl::Graph g;
  auto a = sl::constant(g, {10, 20});      // sl::Tensor<int, sl::shape<2>>
  auto b = sl::constant(g, {1.0f, 2.0f});  // sl::Tensor<float, sl::shape<2>>
  sl::Session sess(g);

  xt::xtensor<int, 1> av = sess.run(a);
  std::cout << ">>> sess.run(a)\n" << str(av) << "\n";
  expect(equal(av, {10, 20}), "a should be [10 20]");

  std::tuple<xt::xtensor<int, 1>, xt::xtensor<float, 1>> ab = sess.run(std::tuple{a, b});
  std::cout << ">>> sess.run((a, b))\n" << repr(ab) << "\n";
  expect(equal(std::get<0>(ab), {10, 20}) && equal(std::get<1>(ab), {1.0f, 2.0f}), "(a, b) should be ([10 20], [1. 2.])");

  using entry = std::variant<MyData<decltype(a), decltype(b)>, std::tuple<decltype(b), decltype(a)>>;
  std::map<std::string, entry> fetches{{"k1", MyData{a, b}}, {"k2", std::tuple{b, a}}};
  auto r = sess.run(fetches);
  // The same structure, leaf by leaf: map -> variant -> MyData / tuple of arrays.
  static_assert(std::is_same_v<decltype(r), std::map<std::string, std::variant<MyData<xt::xtensor<int, 1>, xt::xtensor<float, 1>>,
                                                                               std::tuple<xt::xtensor<float, 1>, xt::xtensor<int, 1>>>>>);
  std::cout << ">>> sess.run({'k1': MyData(a, b), 'k2': (b, a)})\n{";
  bool first = true;
  for (const auto& [key, value] : r) {
    std::cout << (first ? "" : ", ") << "'" << key << "': ";
    first = false;
    std::visit([](const auto& v) { std::cout << repr(v); }, value);
  }
  std::cout << "}\n";
  expect(r.size() == 2 && r.at("k1").index() == 0 && r.at("k2").index() == 1, "the map should keep its keys and alternatives");
  if (r.size() == 2 && r.at("k1").index() == 0 && r.at("k2").index() == 1) {
    const auto& k1 = std::get<0>(r.at("k1"));
    const auto& k2 = std::get<1>(r.at("k2"));
    expect(equal(k1.a, {10, 20}) && equal(k1.b, {1.0f, 2.0f}), "k1 should be MyData(a=[10 20], b=[1. 2.])");
    expect(equal(std::get<0>(k2), {1.0f, 2.0f}) && equal(std::get<1>(k2), {10, 20}), "k2 should be ([1. 2.], [10 20])");
  }

  if (failures) {
    std::cerr << failures << " mismatch(es)\n";
    return 1;
  }
  std::cout << "all values as expected\n";
  return 0;
}
