"""The forges' releases, one module each: :mod:`.gitlab` (GitLab's Releases API,
through python-gitlab) and :mod:`.github` (GitHub's REST API, through requests).
:mod:`noxship.release.tagging` chooses one by the CI provider."""
