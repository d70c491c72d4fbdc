// Saver: save, restore into a new session, latest_checkpoint, max_to_keep,
// and saves that fail part-way.
#include <doctest/doctest.h>

#include "saver_fixture.hpp"

namespace fs = std::filesystem;
using namespace sessionlib_test;

TEST_CASE("save returns the path; restore into a new session counts as initialising") {
  temp_dir d("sl_saver");
  saver_model m;
  sl::Session s1(m.g);
  s1.run(m.init);
  m.set(s1, 7.f);
  sl::train::Saver saver(m.g);
  const std::string prefix = (d.path / "ckpt" / "model.ckpt").string();  // the directory is created
  const std::string path = saver.save(s1, prefix, 100);
  CHECK(path == prefix + "-100");
  CHECK(sl::train::checkpoint_exists(path));
  CHECK(sl::train::latest_checkpoint(d.path / "ckpt") == path);

  // The index is readable text, and each tensor a .npy file.
  const auto index = slurp(path + ".index");
  CHECK(index.find("dense/w\tfloat32\t(2, 3)\t") != std::string::npos);
  CHECK(index.find("dense/b\tfloat64\t(3,)\t") != std::string::npos);
  CHECK(index.find("global_step\tint64\t()\t") != std::string::npos);
  const auto entries = sl::train::read_checkpoint_index(path);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].file == "model.ckpt-100.data-0/dense.w.npy");
  const auto w = sl::train::read_npy(d.path / "ckpt" / entries[0].file);
  CHECK(w.as<float, 2>() == xt::xtensor<float, 2>{{7, 14, 21}, {-7, 0, 1}});
  CHECK(sl::train::load_variable(path, "global_step").scalar<std::int64_t>() == 7);

  sl::Session s2(m.g);  // never initialised: restore is its initialisation
  CHECK_THROWS_AS(s2.run(m.w), sl::failed_precondition);
  saver.restore(s2, path);
  CHECK(m.holds(s2, 7.f));
  // and the restored session trains on from there
  s2.run(m.step.assign_add(static_cast<std::int64_t>(1)));
  CHECK(s2.run(m.step) == 8);
}

TEST_CASE("a Saver of listed variables saves and restores those only") {
  temp_dir d("sl_saver");
  saver_model m;
  sl::Session s1(m.g);
  s1.run(m.init);
  m.set(s1, 3.f);
  sl::train::Saver saver({m.w, m.step});
  const auto path = saver.save(s1, (d.path / "part").string());
  CHECK(path == (d.path / "part").string());
  CHECK(sl::train::read_checkpoint_index(path).size() == 2);

  sl::Session s2(m.g);
  saver.restore(s2, path);
  CHECK(s2.run(m.step) == 3);
  CHECK_THROWS_WITH_AS(s2.run(m.b), "Attempting to use uninitialized value dense/b", sl::failed_precondition);

  sl::train::Saver by_list(sl::trainable_variables(m.g));
  CHECK_NOTHROW(by_list.save(s1, (d.path / "all").string()));
  CHECK(sl::train::read_checkpoint_index(d.path / "all").size() == 3);
}

TEST_CASE("saving an uninitialised variable fails as TF does") {
  temp_dir d("sl_saver");
  saver_model m;
  sl::Session s(m.g);
  sl::train::Saver saver(m.g);
  CHECK_THROWS_WITH_AS(saver.save(s, (d.path / "m").string()), "Attempting to use uninitialized value dense/w",
                       sl::failed_precondition);
  CHECK_FALSE(sl::train::latest_checkpoint(d.path).has_value());
}

TEST_CASE("max_to_keep deletes the oldest checkpoints, after the state file moved on") {
  temp_dir d("sl_saver");
  saver_model m;
  sl::Session s(m.g);
  s.run(m.init);
  sl::train::Saver saver(m.g, 2);
  const auto prefix = (d.path / "model.ckpt").string();
  for (int step = 1; step <= 4; ++step) {
    m.set(s, static_cast<float>(step));
    saver.save(s, prefix, step);
  }
  CHECK_FALSE(sl::train::checkpoint_exists(prefix + "-1"));
  CHECK_FALSE(sl::train::checkpoint_exists(prefix + "-2"));
  CHECK_FALSE(fs::exists(prefix + "-2.data-0"));
  CHECK(sl::train::checkpoint_exists(prefix + "-3"));
  CHECK(saver.last_checkpoints() == std::deque<std::string>{prefix + "-3", prefix + "-4"});
  CHECK(slurp(d.path / "checkpoint") ==
        "model_checkpoint_path: \"model.ckpt-4\"\n"
        "all_model_checkpoint_paths: \"model.ckpt-3\"\n"
        "all_model_checkpoint_paths: \"model.ckpt-4\"\n");

  sl::Session s2(m.g);
  saver.restore(s2, *sl::train::latest_checkpoint(d.path));
  CHECK(m.holds(s2, 4.f));
  saver.restore(s2, prefix + "-3");
  CHECK(m.holds(s2, 3.f));

  sl::train::Saver keep_all(m.g, 0);
  for (int step = 10; step < 17; ++step) keep_all.save(s, prefix, step);
  CHECK(keep_all.last_checkpoints().size() == 7);
  CHECK(sl::train::checkpoint_exists(prefix + "-10"));
}

TEST_CASE("a save that fails part-way never damages the previous checkpoint") {
  temp_dir d("sl_saver");
  saver_model m;
  sl::Session s(m.g);
  s.run(m.init);
  m.set(s, 1.f);
  sl::train::Saver saver(m.g);
  auto& hook = sl::train::detail::checkpoint_write_hook();

  // Fail at each file in turn: the 3 .npy files, the index, the state file.
  for (int fail_at = 1; fail_at <= 5; ++fail_at) {
    CAPTURE(fail_at);
    for (bool same_prefix : {false, true}) {
      CAPTURE(same_prefix);
      const auto prefix = (d.path / (same_prefix ? "same" : "model.ckpt")).string();
      m.set(s, 1.f);
      const auto good = same_prefix ? saver.save(s, prefix) : saver.save(s, prefix, 1);
      m.set(s, 2.f);
      int written = 0;
      hook = [&](const fs::path&) {
        if (++written == fail_at) throw std::runtime_error("injected: No space left on device");
      };
      CHECK_THROWS_WITH(same_prefix ? saver.save(s, prefix) : saver.save(s, prefix, 2), "injected: No space left on device");
      hook = nullptr;

      if (fail_at <= 4) CHECK(sl::train::latest_checkpoint(d.path) == good);  // the state file was not replaced
      sl::Session fresh(m.g);
      saver.restore(fresh, good);
      // The failed save's index (fail_at 5: the state file failed after it) holds 2; else the old 1 survives.
      CHECK(m.holds(fresh, same_prefix && fail_at == 5 ? 2.f : 1.f));
      for (const auto& e : fs::recursive_directory_iterator(d.path))
        CHECK_MESSAGE(e.path().string().find(".tmp-") == std::string::npos, "temporary left behind: ", e.path().string());
    }
  }
  // A later save of the same prefix sweeps the failed saves' data directories.
  saver.save(s, (d.path / "same").string());
  CHECK(fs::exists(d.path / "same.index"));
  std::size_t data_dirs = 0;
  for (const auto& e : fs::directory_iterator(d.path)) data_dirs += e.path().filename().string().rfind("same.data-", 0) == 0;
  CHECK(data_dirs == 1);
}

TEST_CASE("a save into a path that cannot be a directory fails with an sl::error naming it") {
  temp_dir d("sl_saver");
  saver_model m;
  sl::Session s(m.g);
  s.run(m.init);
  sl::train::Saver saver(m.g);
  spit(d.path / "plain_file", "x");
  const auto dir = d.path / "plain_file" / "sub";
  CHECK_THROWS_WITH_AS(saver.save(s, (dir / "model").string()),
                       ("Failed to create the checkpoint directory '" + dir.string() + "': Not a directory").c_str(), sl::error);
}

TEST_CASE("a Saver's list must hold variables of one graph") {
  saver_model m;
  auto c = sl::constant(m.g, 1.f, "c");
  CHECK_THROWS_WITH_AS(sl::train::Saver({m.w, c}), "Saver: 'c:0' is not a variable", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sl::train::Saver(std::vector<sl::any_variable>{}), "Saver: no variables to save", sl::invalid_argument);
  saver_model other;
  CHECK_THROWS_WITH_AS(sl::train::Saver({m.w, other.b}), "Saver: the variables must all be of one graph", sl::invalid_argument);
  sl::Session s(other.g);
  sl::train::Saver saver(m.g);
  CHECK_THROWS_WITH_AS(saver.save(s, "unused"), "Saver: the session runs another graph than the Saver's", sl::invalid_argument);
}
