"""Moving in from another help desk: imports of its exports, and exports of Tactful's own data."""
