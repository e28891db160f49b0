"""What several test modules share: where things are, the fixture cases, the v1 programs, the command
line as the tests drive it, and the fake 360Learning's schema checks. Test modules import from here,
never from one another."""
