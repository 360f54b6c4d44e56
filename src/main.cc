// The aiinfra binary: everything lives in the library; main only hands over to the CLI.
#include "cli/app.h"

int main(int argc, char** argv) { return aiinfra::cli::Main(argc, argv); }
