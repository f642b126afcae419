-- Failed sign-ins remember the client they came from, so that guesses lock out the guesser (the
-- address from that client, and a client guessing at many addresses), never the account itself
-- for everyone.
ALTER TABLE login_attempts ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX login_attempts_client ON login_attempts (client, at);
