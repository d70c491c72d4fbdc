// Plan-time optimisations (SessionConfig::optimizer): common subexpressions
// merge, constants fold once, and neither changes a value or an error.
#include <doctest/doctest.h>

#include "probe_op.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
sl::SessionConfig config(bool cse, bool folding) {
  sl::SessionConfig c;
  c.optimizer.common_subexpressions = cse;
  c.optimizer.constant_folding = folding;
  return c;
}
}  // namespace

TEST_CASE("identical nodes run once when common subexpressions are merged") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn>>(g, "x");
  auto p1 = probe::probe(x), p2 = probe::probe(x);
  auto y = p1 * 2.0f + p2 * 2.0f;  // the two muls by equal constants merge too
  xt::xtensor<float, 1> xv = {1, 2};
  SUBCASE("on") {
    sl::Session sess(g, config(true, true));
    probe::runs = 0;
    CHECK(sess.run(std::tuple{p1, p2, y}, {{x, xv}}) == std::tuple{xv, xv, xt::xtensor<float, 1>{4, 8}});
    CHECK(probe::runs == 1);
  }
  SUBCASE("off") {
    sl::Session sess(g, config(false, true));
    probe::runs = 0;
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{4, 8});
    CHECK(probe::runs == 2);
  }
}

TEST_CASE("nodes merge only when their family attributes are equal") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn>>(g, "x");
  auto a = probe::tagged(x, 1, 2.0), b = probe::tagged(x, 1, 2.0);  // equal: one run
  auto c = probe::tagged(x, 2, 2.0), d = probe::tagged(x, 1, 2.5);  // tag or scale differ
  xt::xtensor<float, 1> xv = {1, 2};
  sl::Session sess(g);
  probe::runs = 0;
  CHECK(sess.run(std::tuple{a, b}, {{x, xv}}) == std::tuple{xt::xtensor<float, 1>{2, 4}, xt::xtensor<float, 1>{2, 4}});
  CHECK(probe::runs == 1);
  probe::runs = 0;
  CHECK(sess.run(std::tuple{a, c, d}, {{x, xv}}) ==
        std::tuple{xt::xtensor<float, 1>{2, 4}, xt::xtensor<float, 1>{2, 4}, xt::xtensor<float, 1>{2.5, 5}});
  CHECK(probe::runs == 3);
}

TEST_CASE("a node's family attributes: read by type, listed by name, compared by value") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn>>(g, "x");
  const sl::node& n = g.at(probe::tagged(x, 7, 0.5).id());
  CHECK(std::string(n.attr.family.family()) == "ProbeTag");
  CHECK(n.attr.get<probe::tag_attrs>().tag == 7);
  CHECK(n.attr.family.find<sl::matmul_attrs>() == nullptr);
  CHECK_THROWS_WITH_AS(n.attr.get<sl::matmul_attrs>(),
                       "a node's attributes are of family 'ProbeTag', read as 'MatMul'", sl::internal);
  struct printer final : sl::attr_writer {
    std::string out;
    void field(std::string_view n, sl::attr_kind k, bool v) override { put(n, k, v ? "true" : "false"); }
    void field(std::string_view n, sl::attr_kind k, std::int64_t v) override { put(n, k, std::to_string(v)); }
    void field(std::string_view n, sl::attr_kind k, double v) override { put(n, k, std::to_string(v)); }
    void field(std::string_view n, sl::attr_kind k, const std::string& v) override { put(n, k, v); }
    void field(std::string_view n, sl::attr_kind k, const std::vector<std::int64_t>&) override { put(n, k, "ints"); }
    void field(std::string_view n, sl::attr_kind k, const std::vector<double>&) override { put(n, k, "doubles"); }
    void put(std::string_view n, sl::attr_kind k, const std::string& v) {
      out += std::string(n) + (k == sl::attr_kind::own ? "(own)=" : "=") + v + ";";
    }
  } p;
  n.attr.family.write(p);
  CHECK(p.out == "tag=7;scale(own)=0.500000;");
  CHECK(n.attr.family == sl::attr_box(probe::tag_attrs{7, 0.5}));
  CHECK_FALSE(n.attr.family == sl::attr_box(probe::tag_attrs{7, 0.25}));
  CHECK_FALSE(n.attr.family == sl::attr_box());
  std::string k1, k2, k3;
  sl::append_attr_key(k1, sl::attr_box(probe::tag_attrs{7, 0.5}));
  sl::append_attr_key(k2, n.attr.family);
  sl::append_attr_key(k3, sl::attr_box(probe::tag_attrs{7, 0.25}));
  CHECK(k1 == k2);
  CHECK(k1 != k3);
  // Read back by name (what GraphDef import does); fields the reader lacks keep their values.
  struct source final : sl::attr_reader {
    bool field(std::string_view, sl::attr_kind, bool&) override { return false; }
    bool field(std::string_view n, sl::attr_kind, std::int64_t& v) override { return n == "tag" && (v = 9, true); }
    bool field(std::string_view, sl::attr_kind, double&) override { return false; }
    bool field(std::string_view, sl::attr_kind, std::string&) override { return false; }
    bool field(std::string_view, sl::attr_kind, std::vector<std::int64_t>&) override { return false; }
    bool field(std::string_view, sl::attr_kind, std::vector<double>&) override { return false; }
  } src;
  probe::tag_attrs back{1, 1.5};
  sl::read_attrs(back, src);
  CHECK(back == probe::tag_attrs{9, 1.5});
}

TEST_CASE("placeholders never merge, however alike") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<>>(g);
  auto b = sl::placeholder<float, shape<>>(g);
  sl::Session sess(g);
  CHECK(sess.run(a - b, {{a, 5.0f}, {b, 3.0f}}) == 2.0f);
}

TEST_CASE("a subgraph of constants is computed once, when the plan is built") {
  sl::Graph g;
  auto k = probe::probe(sl::constant(g, {1.0f, 2.0f}) * 10.0f);
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  auto y = k + x;
  xt::xtensor<float, 1> xv = {1, 1};
  SUBCASE("folded") {
    sl::Session sess(g, config(true, true));
    probe::runs = 0;
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(probe::runs == 1);  // at plan time only
    sl::RunOptions opts;
    opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
    sl::RunMetadata md;
    (void)sess.run(y, {{x, xv}}, opts, &md);
    REQUIRE(md.step_stats.size() == 1);
    CHECK(md.step_stats[0].op == "AddV2");  // TF's op type; the node is named "add"
  }
  SUBCASE("not folded") {
    sl::Session sess(g, config(true, false));
    probe::runs = 0;
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(probe::runs == 2);
  }
}

TEST_CASE("a constant expression that fails is reported at run time, naming its node") {
  sl::Graph g;
  auto a = sl::constant(g, xt::xtensor<float, 1>{1, 2});
  auto b = sl::constant(g, xt::xtensor<float, 1>{1, 2, 3});
  auto c = a + b;  // shapes are dynamic in the types, so only the run can tell
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS((void)sess.run(c), "Incompatible shapes: [2] vs. [3]", sl::invalid_argument);
  try {
    (void)sess.run(c);
  } catch (const sl::error& e) {
    CHECK(e.node() == c.op_name());
  }
}
