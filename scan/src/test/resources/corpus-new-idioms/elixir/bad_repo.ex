defmodule Reports.Rebuild do
  alias Reports.Repo

  @key 4242

  # Repo.query! checks a connection out of the pool for each call.
  def run do
    Repo.query!("SET lock_timeout = '5s'")
    Repo.query!("SELECT pg_advisory_lock($1)", [@key]) # expect: LW109

    try do
      rebuild()
    after
      Repo.query!("SELECT pg_advisory_unlock($1)", [@key]) # expect: LW109
    end
  end

  defp rebuild, do: :ok
end
