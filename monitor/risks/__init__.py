"""The risk register: declarative rules (pure engine), the facts they read, the register."""
