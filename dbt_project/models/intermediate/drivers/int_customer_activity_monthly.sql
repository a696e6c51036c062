{#- Customer effort per customer_key × month: completed CRM visits (appointments) and
    phone calls by month started, service-desk tickets by month created. Activities
    without an account and tickets without (or with an unknown) organisation go to the
    unassigned customer. -#}
with

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

tickets as (

    select * from {{ ref('stg_servicedesk__tickets') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}

),

completed_activities as (

    select
        coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        cast(date_trunc('month', activities.started_at) as date)    as period_month,
        activities.activity_type,
        coalesce(activities.duration_minutes, 0)                    as duration_minutes
    from activities
    left join customer_keys
        on customer_keys.system = 'crm'
        and activities.account_id = customer_keys.source_id
    where activities.activity_state = 'completed'
        and activities.activity_type in ('appointment', 'phonecall')
        and activities.started_at is not null

),

activity_monthly as (

    select
        customer_key,
        period_month,
        count(*) filter (where activity_type = 'appointment')                       as visit_count,
        coalesce(sum(duration_minutes) filter (where activity_type = 'appointment'), 0) as visit_minutes,
        count(*) filter (where activity_type = 'phonecall')                         as call_count,
        coalesce(sum(duration_minutes) filter (where activity_type = 'phonecall'), 0)   as call_minutes
    from completed_activities
    group by customer_key, period_month

),

tickets_keyed as (

    select
        coalesce(customer_keys.customer_key, {{ unassigned_customer_key() }}) as customer_key,
        cast(date_trunc('month', tickets.created_at) as date)       as period_month,
        coalesce(tickets.time_spent_minutes, 0)                     as time_spent_minutes,
        tickets.satisfaction_rating
    from tickets
    left join customer_keys
        on customer_keys.system = 'servicedesk'
        and tickets.organization_id = customer_keys.source_id
    where tickets.created_at is not null

),

ticket_monthly as (

    select
        customer_key,
        period_month,
        count(*)                                                        as ticket_count,
        sum(time_spent_minutes)                                         as ticket_minutes,
        count(*) filter (where satisfaction_rating in ('good', 'bad'))  as tickets_rated,
        count(*) filter (where satisfaction_rating = 'good')            as tickets_good
    from tickets_keyed
    group by customer_key, period_month

),

final as (

    select
        coalesce(activity_monthly.customer_key, ticket_monthly.customer_key)    as customer_key,
        coalesce(activity_monthly.period_month, ticket_monthly.period_month)    as period_month,
        cast(coalesce(activity_monthly.visit_count, 0) as bigint)               as visit_count,
        cast(coalesce(activity_monthly.visit_minutes, 0) as bigint)             as visit_minutes,
        cast(coalesce(activity_monthly.call_count, 0) as bigint)                as call_count,
        cast(coalesce(activity_monthly.call_minutes, 0) as bigint)              as call_minutes,
        cast(coalesce(ticket_monthly.ticket_count, 0) as bigint)                as ticket_count,
        cast(coalesce(ticket_monthly.ticket_minutes, 0) as bigint)              as ticket_minutes,
        cast(coalesce(ticket_monthly.tickets_rated, 0) as bigint)               as tickets_rated,
        cast(coalesce(ticket_monthly.tickets_good, 0) as bigint)                as tickets_good
    from activity_monthly
    full outer join ticket_monthly
        on activity_monthly.customer_key = ticket_monthly.customer_key
        and activity_monthly.period_month = ticket_monthly.period_month

)

select * from final
