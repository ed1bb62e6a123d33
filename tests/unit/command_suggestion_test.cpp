#include <doctest/doctest.h>

#include "common/command_suggestion.h"

TEST_CASE("a mistyped subcommand is named, with the nearest commands suggested") {
  CLI::App root("test", "gantry");
  CLI::App* ctl = root.add_subcommand("ctl");
  std::string kubeconfig;
  ctl->add_option("--kubeconfig", kubeconfig);
  ctl->add_subcommand("get");
  ctl->add_subcommand("logs");
  ctl->add_subcommand("delete");
  const char* typo[] = {"gantry", "ctl", "--kubeconfig", "k.yaml", "gett", "pods"};
  auto message = gantry::UnknownCommandMessage(root, 6, typo);
  REQUIRE(message.has_value());
  CHECK(message->find("error: unknown command \"gett\" for \"gantry ctl\"") == 0);
  CHECK(message->find("Did you mean this?\n\tget\n") != std::string::npos);
  CHECK(message->find("logs") == std::string::npos);

  const char* far[] = {"gantry", "ctl", "frobnicate"};
  message = gantry::UnknownCommandMessage(root, 3, far);
  REQUIRE(message.has_value());
  CHECK(message->find("Did you mean") == std::string::npos);

  const char* known[] = {"gantry", "ctl", "get", "pods", "--kubeconfig=k"};
  CHECK_FALSE(gantry::UnknownCommandMessage(root, 5, known).has_value());
}
