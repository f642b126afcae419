-- The managers of a department's customer-experience components (issue 25): named in the
-- organisation file beside the CX champions, members of the champions' network with them.
CREATE TABLE department_cx_managers (
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    component TEXT NOT NULL,
    PRIMARY KEY (department_id, position)
);
