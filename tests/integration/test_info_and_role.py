"""aep_s3_connection_info, run with ansible-playbook on the installed collection against the emulator.

The playbooks under tests/integration/playbooks hold their own assertions.
"""


def test_info(ansible, emulator_vars, emulator):
    ansible.playbook("info.yml", extra_vars=emulator_vars)
    assert emulator.faults() == []
