// Package batch renders one poster per row of a campaign's data and puts
// each in a store: rows streamed (never all in memory), rendered with
// bounded concurrency, skipped when the store already holds the same
// poster (so an interrupted run resumes), bad rows written to an errors
// file while the run goes on, a manifest of every poster's URL at the end
// and a progress report whose ETA counts WeChat's code budget.
package batch
