defmodule Reports.GoodRebuild do
  alias Reports.Repo

  @key 4242

  # Repo.checkout pins one connection for the whole function.
  def run do
    Repo.checkout(fn ->
      Repo.query!("SET lock_timeout = '5s'")
      Repo.query!("SELECT pg_advisory_lock($1)", [@key])

      try do
        rebuild()
      after
        %{rows: [[true]]} = Repo.query!("SELECT pg_advisory_unlock($1)", [@key])
      end
    end)
  end

  defp rebuild, do: :ok
end
