"""noxship's own release pipeline: noxship's sessions, dogfooded."""

import noxship.sessions  # noqa: F401  (registers lint, tests, build, test_wheel, publish, release_*)
