with

source as (

    select * from {{ source('config', 'config_version') }}

),

final as (

    select * from source

)

select * from final
